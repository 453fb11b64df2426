// What ExecutionService.converse() (a chat turn: the execution loop, streamed, with no execution row)
// takes and gives back. The chat module stores the result; this module only runs it.

export interface ConverseOptions {
  /** Stands in for the execution id in the actions' context (send_webhook_event reports it). */
  turnId: string;
  /** Aborting it ends the turn `interrupted`, with the text said so far. */
  signal: AbortSignal;
  /** Each piece of text as it arrives; the pieces add up to the result's `content` exactly. */
  onDelta(content: string): void;
}

export type ConversationStatus = 'success' | 'blocked' | 'failed' | 'interrupted';

export interface ConversationDecision {
  action: string;
  complexity: 1 | 2 | 3 | 4;
  decision: 'allow' | 'require_approval' | 'block';
  reason: string;
}

export interface ConversationResult {
  content: string;
  /** `blocked`: answered, but a tool call was blocked or needed an approval (and did not run). */
  status: ConversationStatus;
  /** Why a failed turn failed, in words fit for the caller (provider errors carry no secrets). */
  error: string | null;
  /** Model calls, tool calls and governance decisions, in order (as an execution's steps). */
  steps: Record<string, unknown>[];
  /** Complexities of the blocked calls (the episode's compliance score). */
  blocked: Array<1 | 2 | 3 | 4>;
  /** Tool calls that needed a person's approval and were not run. */
  awaitingApproval: number;
  usage: { promptTokens: number; completionTokens: number };
  provider: string | null;
  model: string | null;
  /** Governance decisions, stored by the caller (decisionsJson in execution.service.ts). */
  decisions: ConversationDecision[];
}
