import type { ActionDefinition } from '../actions';

export interface DraftArgs {
  instructions: string;
  context?: string;
  title?: string;
  body?: string;
}

export interface Draft {
  title?: string;
  body: string;
}

/**
 * Records a draft (an email, a post, a reply) without sending or publishing anything: no side effect,
 * which is why it is low-risk (2) while `send`/`post` actions are 3. The model writes the content and
 * passes it as `body`; the action only records the draft in the execution's steps, where a person (or
 * a later, more trusted action) can pick it up. Without a body, the draft is an outline made from the
 * instructions and context, so the step still shows what was asked.
 */
export function buildDraft(args: DraftArgs): Draft {
  const title = args.title?.trim();
  const written = args.body?.trim();
  const body =
    written && written.length > 0
      ? written
      : [`Draft: ${args.instructions.trim()}`, ...(args.context?.trim() ? ['', `Context: ${args.context.trim()}`] : [])].join('\n');
  return title ? { title, body } : { body };
}

export const draftAction: ActionDefinition<DraftArgs> = {
  name: 'draft',
  description:
    'Record a draft (email, message, post, document) for a person to review. Nothing is sent or published. ' +
    'Write the full text yourself in `body`; `instructions` says what the draft is for.',
  parameters: {
    type: 'object',
    properties: {
      instructions: { type: 'string', description: 'What the draft is for and who it addresses.', minLength: 1, maxLength: 10_000 },
      context: { type: 'string', description: 'Facts the draft relies on.', maxLength: 50_000 },
      title: { type: 'string', description: 'A subject or title.', maxLength: 500 },
      body: { type: 'string', description: 'The draft text, written by you.', maxLength: 100_000 },
    },
    required: ['instructions'],
  },
  complexity: 2,
  async run(args) {
    return buildDraft(args);
  },
};
