-- Feedback on episodes (RLHF), training runs, and the learned examples a completed run leaves.

-- One feedback per person (user or API key) per episode: a second one replaces the first.
CREATE TABLE feedback (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key')),
  actor_id uuid NOT NULL,
  rating integer CHECK (rating BETWEEN 1 AND 5),
  thumbs text CHECK (thumbs IN ('up', 'down')),
  correction text,
  comment text,
  -- (rating-3)/2 when rated, else thumbs +-1; NULL for a correction-only feedback.
  score double precision CHECK (score BETWEEN -1 AND 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT feedback_one_per_actor UNIQUE (episode_id, actor_type, actor_id),
  CONSTRAINT feedback_says_something CHECK (rating IS NOT NULL OR thumbs IS NOT NULL OR correction IS NOT NULL)
);
CREATE INDEX feedback_agent ON feedback (agent_id, updated_at DESC);
-- Training reads an agent's corrections.
CREATE INDEX feedback_corrections ON feedback (agent_id, episode_id, updated_at DESC) WHERE correction IS NOT NULL;

CREATE TABLE training_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  source text NOT NULL CHECK (source IN ('feedback', 'episodes', 'edge_cases')),
  max_examples integer NOT NULL CHECK (max_examples BETWEEN 1 AND 100),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  examples_count integer,
  error text,
  created_by uuid,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_runs_agent ON training_runs (agent_id, created_at DESC);
-- One queued or running run per agent, whatever the concurrency (the API turns a clash into 409).
CREATE UNIQUE INDEX training_runs_one_active ON training_runs (agent_id) WHERE status IN ('queued', 'running');

-- The agent's learned example set: replaced as a whole, in one transaction, by each completed run.
CREATE TABLE agent_examples (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  input text NOT NULL,
  output text NOT NULL,
  source_episode_id uuid REFERENCES episodes (id) ON DELETE SET NULL,
  origin text NOT NULL CHECK (origin IN ('correction', 'episode', 'edge_case')),
  score double precision,
  -- 1 = best: executions send the first ones.
  rank integer NOT NULL,
  training_run_id uuid NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_examples_agent ON agent_examples (agent_id, rank);
