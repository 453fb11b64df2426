import type { ActionDefinition } from '../actions';

export interface SummarizeArgs {
  text: string;
  max_sentences?: number;
}

export interface SummarizeResult {
  summary: string;
  sentences: number;
  total_sentences: number;
  truncated: boolean;
}

export const SUMMARIZE_DEFAULT_SENTENCES = 3;
const MAX_TEXT = 200_000;

// A sentence ends at . ! ? or … (possibly followed by closing quotes or brackets) and then whitespace.
const SENTENCE_END = /(?<=[.!?…]["'”’)\]]*)\s+/u;

/** Whitespace collapsed to single spaces, then split into sentences. Deterministic: same text, same split. */
export function splitSentences(text: string): string[] {
  const normalised = text.replace(/\s+/gu, ' ').trim();
  return normalised === '' ? [] : normalised.split(SENTENCE_END).filter((sentence) => sentence.length > 0);
}

/** Extractive and deterministic: the first sentences, in order, up to the limit. No model involved. */
export function summarize(text: string, maxSentences = SUMMARIZE_DEFAULT_SENTENCES): SummarizeResult {
  const sentences = splitSentences(text);
  const kept = sentences.slice(0, maxSentences);
  return { summary: kept.join(' '), sentences: kept.length, total_sentences: sentences.length, truncated: kept.length < sentences.length };
}

export const summarizeAction: ActionDefinition<SummarizeArgs> = {
  name: 'summarize',
  description:
    'Extractive summary of a text: its first sentences (whitespace normalised), up to max_sentences. ' +
    'Read-only; deterministic.',
  parameters: {
    type: 'object',
    properties: {
      text: { type: 'string', description: 'The text to summarize.', minLength: 1, maxLength: MAX_TEXT },
      max_sentences: { type: 'integer', description: `How many sentences to keep (default ${SUMMARIZE_DEFAULT_SENTENCES}).`, minimum: 1, maximum: 50 },
    },
    required: ['text'],
  },
  complexity: 1,
  async run(args) {
    return summarize(args.text, args.max_sentences ?? SUMMARIZE_DEFAULT_SENTENCES);
  },
};
