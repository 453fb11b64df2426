import type { MessageCreateParamsBase, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { AnthropicStreamAccumulator, fromAnthropicMessage, toAnthropicPrompt, toAnthropicTools } from './anthropic.mapping';
import { EVENT_STREAM_ERRORS, EventStreamClient } from './event-stream-request';
import { LlmError, type LlmProvider, type LlmRequest, type LlmResponse, type LlmStreamEvent } from './llm.types';
import { CallDeadline, toLlmError, type VendorProviderOptions } from './provider-call';

const ANTHROPIC_API = 'https://api.anthropic.com';
/** The Messages API requires max_tokens; used when the request gives none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/**
 * The Messages API version of streamed calls. Plain calls go through the SDK, which sends its own:
 * a unit test compares the two, so an SDK upgrade that moves it fails until this follows.
 */
export const ANTHROPIC_VERSION = '2026-10-21';

/**
 * Claude through the Messages API. Plain calls go through the official SDK; streamed ones (every chat
 * token) through EventStreamClient, as for OpenAI (see event-stream-request.ts): same body, the SDK's
 * headers, errors mapped alike.
 */
export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic' as const;
  readonly defaultModel: string;
  private readonly sdk: ReturnType<typeof anthropicSdk>;
  private readonly streams = new EventStreamClient();
  private readonly messagesUrl: URL;

  constructor(private readonly options: VendorProviderOptions) {
    this.defaultModel = options.model;
    this.sdk = anthropicSdk(options);
    this.messagesUrl = new URL(`${(options.baseUrl ?? ANTHROPIC_API).replace(/\/+$/, '')}/v1/messages`);
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const model = request.model || this.defaultModel;
    const { client, errors } = await this.sdk;
    const deadline = new CallDeadline(this.options.timeoutMs, request.signal);
    try {
      const message = await client.messages.create({ ...this.body(request, model), stream: false }, { signal: deadline.signal });
      return fromAnthropicMessage(message, model);
    } catch (error) {
      throw toLlmError('anthropic', error, errors, deadline, this.options.apiKey);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const model = request.model || this.defaultModel;
    const deadline = new CallDeadline(this.options.timeoutMs, request.signal);
    const accumulator = new AnthropicStreamAccumulator(model);
    try {
      const events = await this.streams.post({
        url: this.messagesUrl,
        headers: { 'anthropic-version': ANTHROPIC_VERSION, ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}) },
        body: JSON.stringify({ ...this.body(request, model), stream: true }),
        signal: deadline.signal,
      });
      for await (const data of events) {
        deadline.touch();
        // `ping` and `content_block_stop` carry nothing the accumulator needs; it ignores them.
        const text = accumulator.add(JSON.parse(data) as RawMessageStreamEvent);
        if (text) yield { type: 'delta', content: text };
      }
      deadline.throwIfAborted('anthropic');
      // A complete answer ends with message_stop (after a stop_reason); a body that ends without either was cut off.
      if (!accumulator.finished) throw new LlmError('anthropic: the stream ended before the answer was complete', true);
      yield { type: 'done', response: accumulator.result() };
    } catch (error) {
      throw toLlmError('anthropic', error, EVENT_STREAM_ERRORS, deadline, this.options.apiKey);
    } finally {
      deadline.dispose();
    }
  }

  private body(request: LlmRequest, model: string): MessageCreateParamsBase {
    const prompt = toAnthropicPrompt(request.messages);
    return {
      model,
      max_tokens: request.maxTokens || ANTHROPIC_DEFAULT_MAX_TOKENS,
      ...prompt,
      ...(request.tools?.length ? { tools: toAnthropicTools(request.tools) } : {}),
    };
  }
}

/**
 * The SDK, for plain calls: loaded (~120 ms, ~17 MB) when the provider is created, so that a server
 * configured for another provider never loads it; a call waits for it before its deadline starts.
 */
function anthropicSdk(options: VendorProviderOptions) {
  const loading = import('@anthropic-ai/sdk').then(({ default: AnthropicClient, APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError }) => ({
    // Everything is passed explicitly so that no ANTHROPIC_* variable of the environment changes the target.
    client: new AnthropicClient({
      apiKey: options.apiKey ?? null,
      authToken: null,
      baseURL: options.baseUrl ?? ANTHROPIC_API,
      timeout: options.timeoutMs,
      maxRetries: 0, // the execution engine decides about retries
    }),
    errors: { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError },
  }));
  loading.catch(() => undefined); // a failed load is reported by the call that awaits it
  return loading;
}
