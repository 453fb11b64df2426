-- Graduation: edge cases (the exam's questions), exams, and the history of maturity level changes.

-- agent_id NULL: a tenant-wide case, asked of every agent's exam.
CREATE TABLE edge_cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid REFERENCES agents (id) ON DELETE CASCADE,
  title text NOT NULL,
  input text NOT NULL,
  expected_type text NOT NULL CHECK (expected_type IN ('contains', 'not_contains', 'regex', 'equals')),
  expected_value text NOT NULL,
  category text NOT NULL DEFAULT 'general',
  severity text NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  active boolean NOT NULL DEFAULT true,
  times_tested integer NOT NULL DEFAULT 0,
  times_passed integer NOT NULL DEFAULT 0 CHECK (times_passed <= times_tested),
  last_tested_at timestamptz,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX edge_cases_agent ON edge_cases (agent_id, created_at DESC);
CREATE INDEX edge_cases_created_at ON edge_cases (created_at DESC, id);

CREATE TABLE exams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  -- The level the agent sat the exam at, and the one a pass leads to.
  level text NOT NULL,
  target_level text NOT NULL,
  required_pass_rate double precision NOT NULL,
  cases_total integer NOT NULL,
  cases_done integer NOT NULL DEFAULT 0,
  -- [{edge_case_id, title, severity, passed, output, reason, execution_id}] in the order asked.
  cases jsonb NOT NULL DEFAULT '[]'::jsonb,
  passed boolean,
  score double precision,
  pass_rate double precision,
  readiness jsonb,
  promoted boolean NOT NULL DEFAULT false,
  new_level text,
  -- A failed exam: no other exam for the agent before this time.
  cooldown_until timestamptz,
  error text,
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key')),
  actor_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz
);
CREATE INDEX exams_agent ON exams (agent_id, created_at DESC);
-- Readiness reads the agent's last completed exam.
CREATE INDEX exams_agent_completed ON exams (agent_id, completed_at DESC) WHERE status = 'completed';
-- One exam in progress per agent, whatever the concurrency (the API turns a clash into 409).
CREATE UNIQUE INDEX exams_one_active ON exams (agent_id) WHERE status IN ('queued', 'running');

CREATE TABLE maturity_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  from_level text NOT NULL,
  to_level text NOT NULL,
  type text NOT NULL CHECK (type IN ('exam', 'manual', 'demotion')),
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key')),
  actor_id uuid NOT NULL,
  reason text,
  readiness_score double precision,
  exam_id uuid REFERENCES exams (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX maturity_history_agent ON maturity_history (agent_id, created_at DESC, id);
