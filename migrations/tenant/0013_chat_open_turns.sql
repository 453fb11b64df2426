-- The sessions with a turn still open: a turn adds its user message and its answer one statement
-- each, so a session's message_count is odd exactly while a turn is unanswered. A server that died
-- mid-turn leaves it so; the start-up recovery (ChatRecovery) finds those sessions through this index
-- instead of reading every message. A session leaves the index when its answer is stored.
CREATE INDEX chat_sessions_open_turn ON chat_sessions (id) WHERE message_count % 2 = 1;
