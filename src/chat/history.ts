import type { LlmMessage } from '../agents/execution/llm/llm.types';
import { approximateTokens } from '../agents/execution/llm/provider-call';

export interface HistoryMessage {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * The session's history that fits in `budgetTokens` (about four characters a token): the newest
 * messages are kept, the oldest dropped first; a message is kept whole or not at all, and nothing older
 * than a dropped message is kept (no holes). `newestFirst` is ordered newest first.
 */
export function boundedHistory(newestFirst: HistoryMessage[], budgetTokens: number): LlmMessage[] {
  const kept: LlmMessage[] = [];
  let used = 0;
  for (const message of newestFirst) {
    const cost = approximateTokens(message.content) + 4; // + the role and framing of one message
    if (used + cost > budgetTokens) break;
    used += cost;
    kept.push({ role: message.role, content: message.content });
  }
  return kept.reverse();
}
