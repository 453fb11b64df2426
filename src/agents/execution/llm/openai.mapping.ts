// Pure translations between our LLM types and the OpenAI Chat Completions wire format.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { LlmError, type LlmMessage, type LlmResponse, type LlmToolCall, type LlmToolSpec, type LlmUsage } from './llm.types';

export function toOpenAiMessages(messages: LlmMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message, index): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: message.content };
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          // Servers accept null content beside tool calls; an empty string confuses some of them.
          content: message.content === '' ? null : message.content,
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
          })),
        };
      }
      case 'tool':
        if (!message.toolCallId) throw new LlmError(`openai: message ${index} (role tool) has no toolCallId`, false);
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      default:
        throw new LlmError(`openai: message ${index} has an unknown role "${String((message as LlmMessage).role)}"`, false);
    }
  });
}

export function toOpenAiTools(tools: LlmToolSpec[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/**
 * Models write tool arguments as a JSON string, and small models do not always manage valid JSON. Our
 * choice: an empty string means no arguments (`{}`); anything that is not a JSON object is refused as an
 * LlmError (not retryable by the rule of LlmError, the engine may still decide to ask again) rather than
 * silently running a tool with arguments the model never gave.
 */
export function parseToolArguments(name: string, raw: string | undefined | null): Record<string, unknown> {
  if (raw === undefined || raw === null || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new LlmError(`openai: the model called tool "${name}" with arguments that are not valid JSON`, false);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LlmError(`openai: the model called tool "${name}" with arguments that are not a JSON object`, false);
  }
  return parsed as Record<string, unknown>;
}

type OpenAiFinish = ChatCompletion.Choice['finish_reason'] | ChatCompletionChunk.Choice['finish_reason'] | undefined;

export function toFinishReason(reason: OpenAiFinish, toolCalls: number): LlmResponse['finishReason'] {
  if (reason === 'length') return 'length';
  // Some OpenAI-compatible servers (older Ollama) answer tool calls with finish_reason "stop".
  if (toolCalls > 0 || reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  return 'stop';
}

function toUsage(usage: ChatCompletion['usage'] | null | undefined): LlmUsage {
  return { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 };
}

export function fromOpenAiCompletion(completion: ChatCompletion, requestedModel: string): LlmResponse {
  const choice = completion?.choices?.[0];
  if (!choice?.message) throw new LlmError('openai: the answer has no choices', false);
  const toolCalls: LlmToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== 'function') continue; // custom (free-form) tools are never offered by us
    toolCalls.push({ id: call.id, name: call.function.name, arguments: parseToolArguments(call.function.name, call.function.arguments) });
  }
  return {
    content: choice.message.content ?? '',
    toolCalls,
    usage: toUsage(completion.usage),
    model: completion.model || requestedModel,
    provider: 'openai',
    finishReason: toFinishReason(choice.finish_reason, toolCalls.length),
  };
}

/**
 * One streamed chunk from its event data. A server that fails mid-answer sends `{error: {message}}`
 * instead of a chunk: thrown as a plain Error, for toLlmError to word (and redact) like any other.
 */
export function parseOpenAiChunk(data: string): ChatCompletionChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new LlmError('openai: the stream sent an event that is not JSON', false);
  }
  if (!chunk || typeof chunk !== 'object') throw new LlmError('openai: the stream sent an event that is not a chunk', false);
  const failure = (chunk as { error?: { message?: unknown } | string }).error;
  if (failure !== undefined && failure !== null) {
    const message = typeof failure === 'string' ? failure : typeof failure.message === 'string' ? failure.message : 'the stream reported an error';
    throw new Error(message);
  }
  return chunk as ChatCompletionChunk;
}

/** Builds one LlmResponse out of streamed chunks: content deltas, tool-call deltas (by index), final usage. */
export class OpenAiStreamAccumulator {
  /** Joined once in result(): cheaper to keep alive than a chain of concatenations (see converse). */
  private readonly texts: string[] = [];
  private model = '';
  private finish: OpenAiFinish;
  private usage: LlmUsage = { promptTokens: 0, completionTokens: 0 };
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  constructor(private readonly requestedModel: string) {}

  /** Adds a chunk; returns the text it carried ('' when none). */
  add(chunk: ChatCompletionChunk): string {
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = toUsage(chunk.usage);
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return '';
    if (choice.finish_reason) this.finish = choice.finish_reason;
    const delta = choice.delta ?? {};
    for (const part of delta.tool_calls ?? []) {
      const index = part.index ?? 0;
      const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
      if (part.id) call.id = part.id;
      if (part.function?.name && !call.name) call.name = part.function.name; // sent whole, in the first delta
      if (part.function?.arguments) call.arguments += part.function.arguments;
      this.calls.set(index, call);
    }
    const text = delta.content ?? '';
    if (text) this.texts.push(text);
    return text;
  }

  /** Whether a chunk said why the answer ended (finish_reason). */
  get finished(): boolean {
    return Boolean(this.finish);
  }

  result(): LlmResponse {
    const toolCalls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => {
        if (!call.name) throw new LlmError(`openai: streamed tool call ${index} has no name`, false);
        return { id: call.id || `call_${index}`, name: call.name, arguments: parseToolArguments(call.name, call.arguments) };
      });
    return {
      content: this.texts.join(''),
      toolCalls,
      usage: this.usage,
      model: this.model || this.requestedModel,
      provider: 'openai',
      finishReason: toFinishReason(this.finish, toolCalls.length),
    };
  }
}
