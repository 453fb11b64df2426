-- Agent list: the indexes that 0002 lacked (EXPLAIN ANALYZE with 10,000 agents in bench/agents.js).
--
-- `q` is `name ILIKE '%q%' OR role ILIKE … OR description ILIKE …`. A btree cannot serve a
-- leading-wildcard pattern: the page could stop after 20 matches, but its `total` (a count that must
-- see every match) read the whole table: 16 ms at 10,000 agents, growing with the table. A trigram GIN index
-- per column serves ILIKE as it is written (pg_trgm folds case itself, no lower() needed): the planner
-- ORs the three bitmap scans and rechecks the few candidate rows, under 1 ms. One index per column,
-- not one over the concatenated text, so the query keeps its exact meaning (a match never spans two
-- fields) and the planner keeps per-column statistics. A q shorter than 3 characters has no trigram:
-- it still reads the table (the planner knows, and does).
CREATE INDEX agents_name_trgm ON agents USING gin (name gin_trgm_ops);
CREATE INDEX agents_role_trgm ON agents USING gin (role gin_trgm_ops);
CREATE INDEX agents_description_trgm ON agents USING gin (description gin_trgm_ops);

-- sort=maturity_level orders by rank on the ladder, an expression agents_maturity (maturity_level, id)
-- cannot serve: every page sorted the whole table (6 ms). This index is that same expression, as
-- MATURITY_RANK in src/agents/agents.service.ts builds it from MATURITY_LEVELS (src/agents/maturity.ts); if the ladder
-- changes, a migration must replace it (test/agents.e2e-spec.ts checks that they still match).
CREATE INDEX agents_maturity_rank ON agents ((array_position(ARRAY['student', 'intern', 'supervised', 'autonomous']::text[], maturity_level)), id);
