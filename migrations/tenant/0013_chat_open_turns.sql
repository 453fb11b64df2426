-- The chat turns whose answer is not stored yet: a row is written with the user message and deleted
-- with the answer (in the same statements). A server that dies mid-turn leaves its row behind; the
-- next process closes such turns (ChatRecovery) from this small table instead of reading every
-- message. A turn's own row, not a property of its session: a session may go on with new turns
-- before an abandoned one is closed.
CREATE TABLE chat_open_turns (
  turn_id uuid PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_open_turns_started ON chat_open_turns (started_at);
