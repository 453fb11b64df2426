// The one interface the execution engine talks to. Implementations: openai (any OpenAI-compatible
// Chat Completions server), anthropic (Messages API) and local (a deterministic offline engine).

export type LlmRole = 'system' | 'user' | 'assistant' | 'tool';

export interface LlmToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface LlmMessage {
  role: LlmRole;
  content: string;
  /** On a `tool` message: the id of the assistant's tool call it answers. */
  toolCallId?: string;
  /** On an `assistant` message: the tool calls the model asked for. */
  toolCalls?: LlmToolCall[];
}

export interface LlmToolSpec {
  name: string;
  description: string;
  /** JSON Schema object. */
  parameters: Record<string, unknown>;
}

export interface LlmRequest {
  /** Overrides the provider's default model (LLM_MODEL). */
  model?: string;
  messages: LlmMessage[];
  tools?: LlmToolSpec[];
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmResponse {
  content: string;
  toolCalls: LlmToolCall[];
  usage: LlmUsage;
  model: string;
  provider: 'openai' | 'anthropic' | 'local';
  finishReason: 'stop' | 'tool_calls' | 'length';
}

export type LlmStreamEvent = { type: 'delta'; content: string } | { type: 'done'; response: LlmResponse };

export interface LlmProvider {
  readonly name: 'openai' | 'anthropic' | 'local';
  readonly defaultModel: string;
  complete(request: LlmRequest): Promise<LlmResponse>;
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent>;
}

export const LLM_PROVIDER = Symbol('LLM_PROVIDER');

/** Provider failures: network, timeout, 4xx/5xx from the vendor, malformed answers. `retryable` for 429/5xx/timeouts. */
export class LlmError extends Error {
  override readonly name = 'LlmError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
