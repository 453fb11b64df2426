import type { LlmMessage, LlmProvider, LlmRequest, LlmResponse, LlmStreamEvent, LlmToolCall, LlmToolSpec } from './llm.types';
import { LlmError } from './llm.types';
import { approximateTokens } from './provider-call';

/** Every answer of the local engine starts with this label, so nobody mistakes it for a real model. */
export const LOCAL_LABEL = '[local model] ';
const MAX_QUOTE = 1000;

/**
 * A deterministic offline stand-in for a model (LLM_PROVIDER=local, the default): no network, no key,
 * the same answer for the same conversation. It calls a tool when the task names one that is offered and
 * has not answered yet; otherwise it answers with the task and the tool results it was given.
 */
export class LocalLlmProvider implements LlmProvider {
  readonly name = 'local' as const;

  constructor(readonly defaultModel = 'local-echo') {}

  async complete(request: LlmRequest): Promise<LlmResponse> {
    throwIfCancelled(request.signal);
    return localAnswer(request, this.defaultModel);
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    throwIfCancelled(request.signal);
    const response = localAnswer(request, this.defaultModel);
    for (const word of splitWords(response.content)) {
      await Promise.resolve();
      throwIfCancelled(request.signal);
      yield { type: 'delta', content: word };
    }
    yield { type: 'done', response };
  }
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LlmError('local: the request was cancelled by the caller', false);
}

/** Words with the whitespace that follows each; joined they give the text back exactly. */
export function splitWords(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\s)(?=\S)/);
}

export function localAnswer(request: LlmRequest, defaultModel: string): LlmResponse {
  const { messages } = request;
  const model = request.model || defaultModel;
  const lastUser = findLastIndex(messages, (m) => m.role === 'user');
  const task = lastUser >= 0 ? messages[lastUser].content : '';
  const since = lastUser >= 0 ? messages.slice(lastUser + 1) : [];
  const promptTokens =
    approximateTokens(messages.map((m) => m.content + (m.toolCalls ? JSON.stringify(m.toolCalls) : '')).join('\n')) +
    approximateTokens(request.tools?.length ? JSON.stringify(request.tools) : '');

  const tool = lastUser >= 0 ? toolToCall(task, request.tools ?? [], since) : undefined;
  if (tool) {
    const call: LlmToolCall = { id: `call_local_${countToolCalls(messages) + 1}`, name: tool.name, arguments: toolArguments(tool, task) };
    const content = `${LOCAL_LABEL}Calling ${tool.name}.`;
    return {
      content,
      toolCalls: [call],
      usage: { promptTokens, completionTokens: approximateTokens(content + JSON.stringify(call)) },
      model,
      provider: 'local',
      finishReason: 'tool_calls',
    };
  }

  const results = toolResults(messages, since);
  let content = `${LOCAL_LABEL}Task: ${quote(task) || '(none)'}`;
  if (results.length) content += `\nTool results:\n${results.map((r) => `- ${r.name}: ${quote(r.content)}`).join('\n')}`;
  let finishReason: LlmResponse['finishReason'] = 'stop';
  if (request.maxTokens && request.maxTokens > 0 && approximateTokens(content) > request.maxTokens) {
    content = content.slice(0, Math.max(LOCAL_LABEL.length, request.maxTokens * 4));
    finishReason = 'length';
  }
  return {
    content,
    toolCalls: [],
    usage: { promptTokens, completionTokens: approximateTokens(content) },
    model,
    provider: 'local',
    finishReason,
  };
}

function findLastIndex<T>(items: T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}

function quote(text: string): string {
  const flat = text.trim();
  return flat.length > MAX_QUOTE ? `${flat.slice(0, MAX_QUOTE)}…` : flat;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The offered tool the task names first (as a whole word, any case), unless it already answered. */
function toolToCall(task: string, tools: LlmToolSpec[], since: LlmMessage[]): LlmToolSpec | undefined {
  const answered = answeredToolNames(since);
  let best: { tool: LlmToolSpec; at: number } | undefined;
  for (const tool of tools) {
    if (!tool.name || answered.has(tool.name)) continue;
    const match = new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(tool.name)}(?![A-Za-z0-9_])`, 'i').exec(task);
    if (match && (!best || match.index < best.at)) best = { tool, at: match.index };
  }
  return best?.tool;
}

/** Names of the tools whose calls (made after the task) already have a result. */
function answeredToolNames(since: LlmMessage[]): Set<string> {
  const names = new Map<string, string>();
  for (const m of since) for (const call of m.toolCalls ?? []) names.set(call.id, call.name);
  const answered = new Set<string>();
  for (const m of since) {
    if (m.role === 'tool' && m.toolCallId && names.has(m.toolCallId)) answered.add(names.get(m.toolCallId)!);
  }
  return answered;
}

function toolResults(all: LlmMessage[], since: LlmMessage[]): { name: string; content: string }[] {
  const names = new Map<string, string>();
  for (const m of all) for (const call of m.toolCalls ?? []) names.set(call.id, call.name);
  return since
    .filter((m) => m.role === 'tool')
    .map((m) => ({ name: (m.toolCallId && names.get(m.toolCallId)) || 'tool', content: m.content }));
}

function countToolCalls(messages: LlmMessage[]): number {
  return messages.reduce((n, m) => n + (m.toolCalls?.length ?? 0), 0);
}

/**
 * Arguments from the tool's JSON schema: each required property gets its default, else its first enum
 * value, else (for a string) the task. With nothing to fill: `{query}` for memory_search, `{text}` otherwise.
 */
export function toolArguments(tool: LlmToolSpec, task: string): Record<string, unknown> {
  const schema = tool.parameters ?? {};
  const properties = (isObject(schema.properties) ? schema.properties : {}) as Record<string, unknown>;
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const property = isObject(properties[name]) ? (properties[name] as Record<string, unknown>) : {};
    if ('default' in property) args[name] = property.default;
    else if (Array.isArray(property.enum) && property.enum.length) args[name] = property.enum[0];
    else if (property.type === 'string' || property.type === undefined) args[name] = task;
  }
  if (Object.keys(args).length) return args;
  return tool.name === 'memory_search' ? { query: task } : { text: task };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
