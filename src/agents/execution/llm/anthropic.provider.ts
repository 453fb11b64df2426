import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import { AnthropicStreamAccumulator, fromAnthropicMessage, toAnthropicPrompt, toAnthropicTools } from './anthropic.mapping';
import type { LlmProvider, LlmRequest, LlmResponse, LlmStreamEvent } from './llm.types';
import { CallDeadline, toLlmError, type VendorProviderOptions } from './provider-call';

const ANTHROPIC_API = 'https://api.anthropic.com';
const SDK_ERRORS = { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError };
/** The Messages API requires max_tokens; used when the request gives none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic' as const;
  readonly defaultModel: string;
  private readonly client: Anthropic;

  constructor(private readonly options: VendorProviderOptions) {
    this.defaultModel = options.model;
    // Everything is passed explicitly so that no ANTHROPIC_* variable of the environment changes the target.
    this.client = new Anthropic({
      apiKey: options.apiKey ?? null,
      authToken: null,
      baseURL: options.baseUrl ?? ANTHROPIC_API,
      timeout: options.timeoutMs,
      maxRetries: 0, // the execution engine decides about retries
    });
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const model = request.model || this.defaultModel;
    const deadline = new CallDeadline(this.options.timeoutMs, request.signal);
    try {
      const message = await this.client.messages.create({ ...this.body(request, model), stream: false }, { signal: deadline.signal });
      return fromAnthropicMessage(message, model);
    } catch (error) {
      throw toLlmError('anthropic', error, SDK_ERRORS, deadline, this.options.apiKey);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const model = request.model || this.defaultModel;
    const deadline = new CallDeadline(this.options.timeoutMs, request.signal);
    const accumulator = new AnthropicStreamAccumulator(model);
    try {
      const events = await this.client.messages.create({ ...this.body(request, model), stream: true }, { signal: deadline.signal });
      for await (const event of events) {
        deadline.touch();
        const text = accumulator.add(event);
        if (text) yield { type: 'delta', content: text };
      }
      deadline.throwIfAborted('anthropic');
      yield { type: 'done', response: accumulator.result() };
    } catch (error) {
      throw toLlmError('anthropic', error, SDK_ERRORS, deadline, this.options.apiKey);
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
