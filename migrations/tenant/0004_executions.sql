-- Agent executions, the episodes they leave (episodic memory), governance decisions and approvals.
CREATE TABLE executions (
  id uuid PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  episode_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed', 'blocked', 'awaiting_approval')),
  mode text NOT NULL DEFAULT 'normal' CHECK (mode IN ('normal', 'exam')),
  task text NOT NULL,
  context jsonb NOT NULL DEFAULT '{}'::jsonb,
  output text,
  steps jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- What a paused execution needs to resume after an approval: the conversation so far.
  state jsonb,
  error text,
  provider text,
  model text,
  prompt_tokens integer NOT NULL DEFAULT 0,
  completion_tokens integer NOT NULL DEFAULT 0,
  created_by uuid,
  started_at timestamptz,
  completed_at timestamptz,
  duration_ms integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executions_agent ON executions (agent_id, created_at DESC);
CREATE INDEX executions_unfinished ON executions (status) WHERE status IN ('queued', 'running');

CREATE TABLE episodes (
  id uuid PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  execution_id uuid REFERENCES executions (id) ON DELETE SET NULL,
  session_id uuid,
  task text NOT NULL,
  output text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'partial')),
  status text NOT NULL,
  maturity_at_time text NOT NULL,
  steps jsonb NOT NULL DEFAULT '[]'::jsonb,
  human_intervention_count integer NOT NULL DEFAULT 0,
  governance_violations integer NOT NULL DEFAULT 0,
  compliance_score double precision NOT NULL DEFAULT 1,
  aggregate_feedback_score double precision,
  started_at timestamptz NOT NULL,
  completed_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX episodes_agent ON episodes (agent_id, completed_at DESC);

CREATE TABLE governance_decisions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  execution_id uuid REFERENCES executions (id) ON DELETE CASCADE,
  action text NOT NULL,
  complexity integer NOT NULL CHECK (complexity BETWEEN 1 AND 4),
  maturity_level text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('allow', 'require_approval', 'block')),
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX governance_decisions_agent ON governance_decisions (agent_id, created_at DESC);

CREATE TABLE approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  action text NOT NULL,
  arguments jsonb NOT NULL DEFAULT '{}'::jsonb,
  complexity integer NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  reason text,
  decided_by uuid,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approvals_pending ON approvals (status, created_at DESC);
