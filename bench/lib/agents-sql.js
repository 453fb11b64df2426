'use strict';

// The SQL AgentsService issues for GET /api/agents?limit=N&sort=created_at[&q=] (copied from TypeORM's
// query log), with the table qualified by its schema instead of reached through search_path. Shared
// by the direct-SQL baseline server and the EXPLAIN that agents.js records.

const COLUMNS = [
  'id', 'name', 'role', 'description', 'system_prompt', 'model', 'tools', 'config', 'maturity_level', 'status',
  'readiness_score', 'created_by', 'created_at', 'updated_at',
];
const SEARCH = `("a"."name" ILIKE $1 OR "a"."role" ILIKE $1 OR "a"."description" ILIKE $1)`;

/** The service's likePattern(): LIKE wildcards in q are matched literally. */
function likePattern(q) {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * { count, page, params } for one request: the count first, then the page, as the service runs them.
 * TypeORM writes LIMIT and OFFSET as literals, so the page does too (`limit` is a validated integer).
 */
function listStatements(schema, { limit, q }) {
  const from = `FROM "${schema}"."agents" "a"${q ? ` WHERE ${SEARCH}` : ''}`;
  const columns = COLUMNS.map((c) => `"a"."${c}" AS "a_${c}"`).join(', ');
  return {
    count: `SELECT COUNT(1) AS "cnt" ${from}`,
    page: `SELECT ${columns} ${from} ORDER BY "a"."created_at" DESC, "a"."id" DESC LIMIT ${limit} OFFSET 0`,
    params: q ? [likePattern(q)] : [],
  };
}

/** A row of the page as the API shows it (AgentDto: snake_case fields). */
function present(row) {
  return Object.fromEntries(COLUMNS.map((c) => [c, row[`a_${c}`]]));
}

module.exports = { listStatements, present };
