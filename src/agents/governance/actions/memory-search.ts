import type { ActionContext, ActionDefinition } from '../actions';

export interface MemorySearchArgs {
  query: string;
  limit?: number;
}

/** Looks the query up in the agent's episodic memory (the execution's agent, from ctx). */
export type RecallFn = (query: string, limit: number, ctx: ActionContext) => Promise<unknown[]>;

export const MEMORY_SEARCH_DEFAULT_LIMIT = 5;

export function memorySearchAction(recall: RecallFn): ActionDefinition<MemorySearchArgs> {
  return {
    name: 'memory_search',
    description: "Search this agent's past episodes (tasks it handled and their outcomes) for ones relevant to a query. Read-only.",
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for.', minLength: 1, maxLength: 2_000 },
        limit: { type: 'integer', description: `At most this many results (default ${MEMORY_SEARCH_DEFAULT_LIMIT}).`, minimum: 1, maximum: 10 },
      },
      required: ['query'],
    },
    complexity: 1,
    async run(args, ctx) {
      const results = await recall(args.query, args.limit ?? MEMORY_SEARCH_DEFAULT_LIMIT, ctx);
      return { results };
    },
  };
}
