import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { LlmError, type LlmProvider, type LlmRequest, type LlmResponse, type LlmStreamEvent } from './llm.types';
import { EVENT_STREAM_ERRORS, EventStreamClient } from './event-stream-request';
import { fromOpenAiCompletion, OpenAiStreamAccumulator, parseOpenAiChunk, toOpenAiMessages, toOpenAiTools } from './openai.mapping';
import { CallDeadline, toLlmError, type VendorProviderOptions } from './provider-call';

const OPENAI_API = 'https://api.openai.com/v1';

/**
 * Any server that speaks the Chat Completions API: OpenAI itself, or Ollama, vLLM, LM Studio… at
 * LLM_BASE_URL (which includes the `/v1`). Plain calls go through the official SDK; streamed ones
 * (every chat token) through EventStreamClient, which costs a fraction of the SDK's allocations per
 * chunk (see event-stream-request.ts). Both send the same body and headers and map errors alike.
 */
export class OpenAiProvider implements LlmProvider {
  readonly name = 'openai' as const;
  readonly defaultModel: string;
  private readonly sdk: ReturnType<typeof openAiSdk>;
  private readonly streams = new EventStreamClient();
  private readonly completionsUrl: URL;

  constructor(private readonly options: VendorProviderOptions) {
    this.defaultModel = options.model;
    this.sdk = openAiSdk(options);
    this.completionsUrl = new URL(`${(options.baseUrl ?? OPENAI_API).replace(/\/+$/, '')}/chat/completions`);
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const model = request.model || this.defaultModel;
    const { client, errors } = await this.sdk;
    const deadline = new CallDeadline(this.options.timeoutMs, request.signal);
    try {
      const completion = await client.chat.completions.create(
        { ...this.body(request, model), stream: false },
        { signal: deadline.signal },
      );
      return fromOpenAiCompletion(completion, model);
    } catch (error) {
      throw toLlmError('openai', error, errors, deadline, this.options.apiKey);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const model = request.model || this.defaultModel;
    const deadline = new CallDeadline(this.options.timeoutMs, request.signal);
    const accumulator = new OpenAiStreamAccumulator(model);
    let sawDone = false;
    try {
      const events = await this.streams.post({
        url: this.completionsUrl,
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
        body: JSON.stringify({ ...this.body(request, model), stream: true, stream_options: { include_usage: true } }),
        signal: deadline.signal,
        onDone: () => (sawDone = true),
      });
      for await (const data of events) {
        deadline.touch();
        const text = accumulator.add(parseOpenAiChunk(data));
        if (text) yield { type: 'delta', content: text };
      }
      deadline.throwIfAborted('openai');
      // A body that ends with neither [DONE] nor a finish_reason was cut off (a dropped proxy connection):
      // its text is a part of the answer, not the answer.
      if (!sawDone && !accumulator.finished) throw new LlmError('openai: the stream ended before the answer was complete', true);
      yield { type: 'done', response: accumulator.result() };
    } catch (error) {
      throw toLlmError('openai', error, EVENT_STREAM_ERRORS, deadline, this.options.apiKey);
    } finally {
      deadline.dispose();
    }
  }

  private body(request: LlmRequest, model: string): ChatCompletionCreateParamsBase {
    return {
      model,
      messages: toOpenAiMessages(request.messages),
      ...(request.tools?.length ? { tools: toOpenAiTools(request.tools) } : {}),
      ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
    };
  }
}

/**
 * The SDK, for plain calls: loaded (~45 ms, ~10 MB) when the provider is created, so that a server
 * configured for another provider never loads it; a call waits for it before its deadline starts.
 */
function openAiSdk(options: VendorProviderOptions) {
  const loading = import('openai').then(({ default: OpenAiClient, APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError }) => ({
    // Everything is passed explicitly so that no OPENAI_* variable of the environment changes the target.
    client: new OpenAiClient({
      apiKey: options.apiKey ?? 'unused',
      baseURL: options.baseUrl ?? OPENAI_API,
      organization: null,
      project: null,
      timeout: options.timeoutMs,
      maxRetries: 0, // the execution engine decides about retries
      // A self-hosted server without a key gets no Authorization header at all.
      ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    }),
    errors: { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError },
  }));
  loading.catch(() => undefined); // a failed load is reported by the call that awaits it
  return loading;
}
