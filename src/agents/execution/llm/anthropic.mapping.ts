// Pure translations between our LLM types and the Anthropic Messages API.
import type {
  ContentBlockParam,
  Message,
  MessageParam,
  RawMessageStreamEvent,
  StopReason,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import { LlmError, type LlmMessage, type LlmResponse, type LlmToolCall, type LlmToolSpec, type LlmUsage } from './llm.types';

export interface AnthropicPrompt {
  /** Every system message, in order, joined by a blank line (the Messages API takes it apart from the turns). */
  system?: string;
  messages: MessageParam[];
}

type Turn = { role: 'user' | 'assistant'; content: ContentBlockParam[] };

/**
 * Our conversation as Messages API turns:
 * - system messages become the separate `system` prompt;
 * - an assistant message's tool calls become `tool_use` blocks after its text;
 * - a `tool` message becomes a `tool_result` block in a user turn;
 * - consecutive turns of one role are merged (the API wants user and assistant to alternate), with
 *   `tool_result` blocks first in a user turn as the API requires;
 * - empty text is left out (the API refuses empty text blocks).
 */
export function toAnthropicPrompt(messages: LlmMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn['role'], blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: [...blocks] });
  };

  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        if (message.content.trim()) system.push(message.content);
        break;
      case 'user':
        push('user', textBlocks(message.content));
        break;
      case 'assistant':
        push('assistant', [
          ...textBlocks(message.content),
          ...(message.toolCalls ?? []).map((call): ContentBlockParam => ({
            type: 'tool_use',
            id: call.id,
            name: call.name,
            input: call.arguments ?? {},
          })),
        ]);
        break;
      case 'tool':
        if (!message.toolCallId) throw new LlmError(`anthropic: message ${index} (role tool) has no toolCallId`, false);
        push('user', [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }]);
        break;
      default:
        throw new LlmError(`anthropic: message ${index} has an unknown role "${String((message as LlmMessage).role)}"`, false);
    }
  });

  for (const turn of turns) {
    if (turn.role === 'user') {
      // Stable partition: tool results first, then the rest, each in its original order.
      turn.content = [...turn.content.filter(isToolResult), ...turn.content.filter((block) => !isToolResult(block))];
    }
  }
  return { ...(system.length ? { system: system.join('\n\n') } : {}), messages: turns };
}

function textBlocks(text: string): ContentBlockParam[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

function isToolResult(block: ContentBlockParam): boolean {
  return block.type === 'tool_result';
}

export function toAnthropicTools(tools: LlmToolSpec[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    // The API requires an object schema; a spec without `type` is taken to describe one.
    input_schema: { ...tool.parameters, type: 'object' } as Tool.InputSchema,
  }));
}

export function toFinishReason(reason: StopReason | null | undefined, toolCalls: number): LlmResponse['finishReason'] {
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'length';
  if (reason === 'tool_use' || toolCalls > 0) return 'tool_calls';
  return 'stop';
}

function asArguments(name: string, input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new LlmError(`anthropic: the model called tool "${name}" with input that is not a JSON object`, false);
  }
  return input as Record<string, unknown>;
}

interface UsageLike {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

function promptTokens(usage: UsageLike | null | undefined): number {
  return (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
}

export function fromAnthropicMessage(message: Message, requestedModel: string): LlmResponse {
  if (!message || !Array.isArray(message.content)) throw new LlmError('anthropic: the answer has no content', false);
  let content = '';
  const toolCalls: LlmToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') content += block.text;
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: asArguments(block.name, block.input) });
    // thinking and server-tool blocks are not part of our interface
  }
  return {
    content,
    toolCalls,
    usage: { promptTokens: promptTokens(message.usage), completionTokens: message.usage?.output_tokens ?? 0 },
    model: message.model || requestedModel,
    provider: 'anthropic',
    finishReason: toFinishReason(message.stop_reason, toolCalls.length),
  };
}

/** Builds one LlmResponse out of Messages API stream events (text deltas, tool_use input JSON deltas, usage). */
export class AnthropicStreamAccumulator {
  private model = '';
  private stopReason: StopReason | null = null;
  private stopped = false;
  private usage: LlmUsage = { promptTokens: 0, completionTokens: 0 };
  private readonly blocks = new Map<number, { kind: 'text'; texts: string[] } | { kind: 'tool'; id: string; name: string; json: string }>();

  constructor(private readonly requestedModel: string) {}

  /** Adds an event; returns the text it carried ('' when none). */
  add(event: RawMessageStreamEvent): string {
    switch (event.type) {
      case 'message_stop':
        this.stopped = true;
        return '';
      case 'message_start':
        this.model = event.message.model || this.model;
        this.usage = { promptTokens: promptTokens(event.message.usage), completionTokens: event.message.usage?.output_tokens ?? 0 };
        return '';
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          // Joined once in result(): cheaper to keep alive than a chain of concatenations (see converse).
          this.blocks.set(event.index, { kind: 'text', texts: block.text ? [block.text] : [] });
          return block.text ?? '';
        }
        if (block.type === 'tool_use') {
          // The start carries `input: {}`; the real input arrives as partial JSON deltas.
          const initial = block.input && Object.keys(block.input as object).length ? JSON.stringify(block.input) : '';
          this.blocks.set(event.index, { kind: 'tool', id: block.id, name: block.name, json: initial });
        }
        return '';
      }
      case 'content_block_delta': {
        const block = this.blocks.get(event.index);
        if (event.delta.type === 'text_delta' && block?.kind === 'text') {
          block.texts.push(event.delta.text);
          return event.delta.text;
        }
        if (event.delta.type === 'input_json_delta' && block?.kind === 'tool') block.json += event.delta.partial_json;
        return '';
      }
      case 'message_delta':
        if (event.delta.stop_reason) this.stopReason = event.delta.stop_reason;
        if (event.usage) {
          // Cumulative counts; input counts are only repeated by some API versions.
          const prompt = promptTokens(event.usage);
          this.usage = {
            promptTokens: prompt > 0 ? prompt : this.usage.promptTokens,
            completionTokens: event.usage.output_tokens ?? this.usage.completionTokens,
          };
        }
        return '';
      default:
        return '';
    }
  }

  /** Whether the stream said the answer ended (message_stop, or message_delta's stop_reason). */
  get finished(): boolean {
    return this.stopped || this.stopReason !== null;
  }

  result(): LlmResponse {
    let content = '';
    const toolCalls: LlmToolCall[] = [];
    for (const [, block] of [...this.blocks.entries()].sort(([a], [b]) => a - b)) {
      if (block.kind === 'text') content += block.texts.join('');
      else toolCalls.push({ id: block.id, name: block.name, arguments: parseStreamedInput(block.name, block.json) });
    }
    return {
      content,
      toolCalls,
      usage: this.usage,
      model: this.model || this.requestedModel,
      provider: 'anthropic',
      finishReason: toFinishReason(this.stopReason, toolCalls.length),
    };
  }
}

function parseStreamedInput(name: string, json: string): Record<string, unknown> {
  if (json.trim() === '') return {};
  try {
    return asArguments(name, JSON.parse(json));
  } catch (error) {
    if (error instanceof LlmError) throw error;
    throw new LlmError(`anthropic: the model called tool "${name}" with input that is not valid JSON`, false);
  }
}
