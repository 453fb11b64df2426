-- Chat: sessions (conversations with one agent) and their messages. A turn is one user message and
-- the one assistant message that answers it, sharing a turn_id.
CREATE TABLE chat_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  title text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Who created it (a user or an API key): members see their own sessions, admins and owners all.
  owner_type text NOT NULL CHECK (owner_type IN ('user', 'api_key')),
  owner_id uuid NOT NULL,
  message_count integer NOT NULL DEFAULT 0,
  last_message_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_sessions_owner ON chat_sessions (owner_id, created_at DESC);
CREATE INDEX chat_sessions_agent ON chat_sessions (agent_id, created_at DESC);

CREATE TABLE chat_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Insertion order: oldest first, also for two messages written in the same millisecond.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  session_id uuid NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
  turn_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL,
  -- complete; interrupted (cancelled, client gone past the grace period, shutdown): the partial answer;
  -- failed: the model failed (content is what it said before).
  status text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'interrupted', 'failed')),
  interrupted_reason text CHECK (interrupted_reason IN ('cancelled', 'client_gone', 'shutdown', 'session_deleted')),
  error_code text,
  error_message text,
  episode_id uuid,
  prompt_tokens integer,
  completion_tokens integer,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- The user message and the answer of a turn are stored once each, whatever the client does.
CREATE UNIQUE INDEX chat_messages_turn_role ON chat_messages (turn_id, role);
CREATE INDEX chat_messages_session ON chat_messages (session_id, seq);
