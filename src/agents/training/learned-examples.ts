import type { EntityManager } from 'typeorm';

export interface LearnedExample {
  input: string;
  output: string;
}

/** At most this many learned examples go into one prompt, within this many characters. */
export const PROMPT_MAX_EXAMPLES = 8;
export const PROMPT_EXAMPLES_BUDGET = 8000;
const FIELD_MAX = 1500;

/** The agent's best learned examples, at most PROMPT_MAX_EXAMPLES: `agent` and `limit` are parameter references. */
export function learnedExamplesSql(table: string, agent = '$1', limit = '$2'): string {
  return `SELECT input, output FROM ${table} WHERE agent_id = ${agent} ORDER BY rank LIMIT ${limit}`;
}

/** Inside the caller's unit of work: the agent's best learned examples (what its last completed training run left). */
export async function loadLearnedExamples(em: EntityManager, agentId: string): Promise<LearnedExample[]> {
  return em.query(learnedExamplesSql('agent_examples'), [agentId, PROMPT_MAX_EXAMPLES]);
}

function clip(text: string): string {
  return text.length > FIELD_MAX ? `${text.slice(0, FIELD_MAX)}…` : text;
}

/**
 * The "Learned examples" lines of the system message: best first, each field clipped, and no more
 * than the budget (an example that would not fit ends the block). Nothing when there are none.
 */
export function learnedExamplesBlock(examples: LearnedExample[]): string[] {
  const entries: string[] = [];
  let used = 0;
  for (const example of examples.slice(0, PROMPT_MAX_EXAMPLES)) {
    const entry = `${entries.length + 1}. Task: ${clip(example.input)}\n   Answer: ${clip(example.output)}`;
    if (used + entry.length > PROMPT_EXAMPLES_BUDGET) break;
    entries.push(entry);
    used += entry.length;
  }
  if (entries.length === 0) return [];
  return ['Learned examples (answers people approved or corrected; answer similar tasks the same way):', ...entries];
}
