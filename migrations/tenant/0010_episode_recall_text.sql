-- Recall scores an agent's last 200 episodes by the query's terms found in their task or output.
-- Lowercasing that text was ~85% of the query's time (1.0 of 1.2 ms at 200 episodes of ~750
-- characters), paid on every chat turn and execution: it is now done once, when the episode is written.
ALTER TABLE episodes ADD COLUMN recall_text text GENERATED ALWAYS AS (lower(task || ' ' || coalesce(output, ''))) STORED;
