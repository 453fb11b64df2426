-- Agents of the tenant. Maturity only changes through graduation (exams, admin promotion).
CREATE TABLE agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  role text NOT NULL,
  description text,
  system_prompt text,
  model text,
  tools text[] NOT NULL DEFAULT '{}',
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  maturity_level text NOT NULL DEFAULT 'student' CHECK (maturity_level IN ('student', 'intern', 'supervised', 'autonomous')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  readiness_score double precision CHECK (readiness_score IS NULL OR (readiness_score >= 0 AND readiness_score <= 1)),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Each list sort, with id as the tie-breaker the queries use.
CREATE INDEX agents_created_at ON agents (created_at, id);
CREATE INDEX agents_updated_at ON agents (updated_at, id);
CREATE INDEX agents_name ON agents (lower(name), id);
CREATE INDEX agents_maturity ON agents (maturity_level, id);
CREATE INDEX agents_status ON agents (status);
