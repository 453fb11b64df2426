import { loadConfig } from '../src/config/config';
import { createLlmProvider } from '../src/agents/execution/llm/llm.module';
import { LlmError, type LlmMessage, type LlmProvider, type LlmStreamEvent, type LlmToolSpec } from '../src/agents/execution/llm/llm.types';
import { FakeOpenAI } from './support/fake-openai';

// The real OpenAI provider (the official SDK for plain calls, the node:http event-stream client for
// streamed ones) against a fake Chat Completions server on 127.0.0.1, built from configuration exactly
// as the app builds it. No database, no app.

const KEY = 'sk-test-e2e-secret-0123456789';
const tools: LlmToolSpec[] = [
  { name: 'memory_search', description: 'Search the agent memory', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
];

function provider(fake: FakeOpenAI, env: Record<string, string> = {}): LlmProvider {
  return createLlmProvider(
    loadConfig({ DATA_DIR: ':memory:', LLM_PROVIDER: 'openai', LLM_BASE_URL: fake.url, LLM_API_KEY: KEY, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000', ...env }),
  );
}

/** A provider pointed at a port where a fake server was listening a moment ago: nothing answers. */
async function unreachableProvider(): Promise<LlmProvider> {
  const gone = await FakeOpenAI.start();
  const url = gone.url;
  await gone.close();
  return createLlmProvider(loadConfig({ DATA_DIR: ':memory:', LLM_PROVIDER: 'openai', LLM_BASE_URL: url, LLM_API_KEY: KEY }));
}

async function collect(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

describe('OpenAI provider against a fake Chat Completions server', () => {
  let fake: FakeOpenAI;
  let llm: LlmProvider;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    llm = provider(fake);
  });
  afterAll(() => fake?.close());
  beforeEach(() => fake.reset());

  it('completes a plain conversation and sends model, messages and the key', async () => {
    fake.reply({ content: 'Hello there.', usage: { prompt_tokens: 21, completion_tokens: 3 } });
    const response = await llm.complete({ messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello' }], maxTokens: 50 });
    expect(response).toEqual({
      content: 'Hello there.',
      toolCalls: [],
      usage: { promptTokens: 21, completionTokens: 3 },
      model: 'fake-model',
      provider: 'openai',
      finishReason: 'stop',
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      model: 'fake-model',
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
    expect(fake.requests[0]).not.toHaveProperty('tools');
    expect(fake.requests[0].stream).toBeFalsy();
    expect(fake.calls[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(fake.calls[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('uses the model of the request over LLM_MODEL', async () => {
    fake.reply({ content: 'ok' });
    expect((await llm.complete({ model: 'agent-model', messages: [{ role: 'user', content: 'x' }] })).model).toBe('agent-model');
    expect(fake.requests[0].model).toBe('agent-model');
  });

  it('runs a tool call round trip: tools offered, tool_calls parsed, the tool result answered', async () => {
    fake.reply({ toolCalls: [{ id: 'call_abc', name: 'memory_search', arguments: { query: 'last invoices' } }] });
    const messages: LlmMessage[] = [
      { role: 'system', content: 'You are an agent.' },
      { role: 'user', content: 'What were the last invoices?' },
    ];
    const first = await llm.complete({ messages, tools });
    expect(first).toMatchObject({
      finishReason: 'tool_calls',
      content: '',
      toolCalls: [{ id: 'call_abc', name: 'memory_search', arguments: { query: 'last invoices' } }],
    });
    expect(fake.requests[0].tools).toEqual([
      { type: 'function', function: { name: 'memory_search', description: 'Search the agent memory', parameters: tools[0].parameters } },
    ]);

    fake.reply({ content: 'There were 2 invoices.' });
    messages.push({ role: 'assistant', content: first.content, toolCalls: first.toolCalls });
    messages.push({ role: 'tool', toolCallId: 'call_abc', content: '2 invoices found' });
    const second = await llm.complete({ messages, tools });
    expect(second).toMatchObject({ finishReason: 'stop', content: 'There were 2 invoices.', toolCalls: [] });
    expect(fake.requests[1].messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'memory_search', arguments: '{"query":"last invoices"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '2 invoices found' },
    ]);
  });

  it('refuses tool arguments that are not JSON with a clear LlmError', async () => {
    fake.reply({ toolCalls: [{ name: 'memory_search', arguments: '{"query": "unterminated' }] });
    const error = await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }], tools }));
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toMatch(/memory_search.*not valid JSON/);
  });

  it('streams content deltas in order, then done with the full response and usage', async () => {
    fake.reply({ content: 'The quick brown fox jumps.', usage: { prompt_tokens: 9, completion_tokens: 6 } });
    const events = await collect(llm.stream({ messages: [{ role: 'user', content: 'Tell me' }] }));
    const deltas = events.flatMap((e) => (e.type === 'delta' ? [e.content] : []));
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe('The quick brown fox jumps.');
    expect(events.slice(0, -1).every((e) => e.type === 'delta')).toBe(true);
    expect(events[events.length - 1]).toEqual({
      type: 'done',
      response: {
        content: 'The quick brown fox jumps.',
        toolCalls: [],
        usage: { promptTokens: 9, completionTokens: 6 },
        model: 'fake-model',
        provider: 'openai',
        finishReason: 'stop',
      },
    });
    expect(fake.requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams tool calls assembled from their deltas', async () => {
    fake.reply({
      content: 'Checking.',
      toolCalls: [
        { id: 'call_1', name: 'memory_search', arguments: { query: 'alpha beta gamma' } },
        { id: 'call_2', name: 'summarize', arguments: { text: 'delta epsilon' } },
      ],
    });
    const events = await collect(llm.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
    const done = events[events.length - 1];
    expect(done.type).toBe('done');
    expect(done.type === 'done' && done.response).toMatchObject({
      content: 'Checking.',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_1', name: 'memory_search', arguments: { query: 'alpha beta gamma' } },
        { id: 'call_2', name: 'summarize', arguments: { text: 'delta epsilon' } },
      ],
    });
  });

  it('maps HTTP 500 to a retryable LlmError and 400 to a non-retryable one', async () => {
    fake.fail(500);
    const server = await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }] }));
    expect(server).toMatchObject({ retryable: true, status: 500 });
    expect(fake.requests).toHaveLength(1); // no retry inside the provider: the engine decides

    fake.fail(400, { message: 'messages: invalid' });
    const bad = await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }] }));
    expect(bad).toMatchObject({ retryable: false, status: 400 });
    expect(bad.message).toContain('messages: invalid');

    fake.fail(429, { headers: { 'retry-after': '1' } });
    expect(await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }] }))).toMatchObject({ retryable: true, status: 429 });
  });

  it('maps a failing stream to LlmError too', async () => {
    fake.fail(503);
    const error = await failure(collect(llm.stream({ messages: [{ role: 'user', content: 'x' }] })));
    expect(error).toMatchObject({ retryable: true, status: 503 });
  });

  it('streams with the key in the Authorization header, and without one to a keyless server', async () => {
    fake.reply({ content: 'one two' });
    await collect(llm.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(fake.calls[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(fake.calls[0].headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'text/event-stream' });

    const keyless = createLlmProvider(loadConfig({ DATA_DIR: ':memory:', LLM_PROVIDER: 'openai', LLM_BASE_URL: `${fake.url}/`, LLM_MODEL: 'llama3.2' }));
    fake.reply({ content: 'hi' });
    const events = await collect(keyless.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events[events.length - 1]).toMatchObject({ type: 'done', response: { content: 'hi', model: 'llama3.2' } });
    expect(fake.calls[1].path).toBe('/v1/chat/completions'); // a trailing slash in LLM_BASE_URL is fine
    expect(fake.calls[1].headers.authorization).toBeUndefined();
  });

  it('reports an error sent in the middle of a stream, after the deltas already given, without the key', async () => {
    fake.reply({ content: 'alpha beta gamma', midStreamError: `overloaded, key ${KEY}` });
    const seen: LlmStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of llm.stream({ messages: [{ role: 'user', content: 'x' }] })) seen.push(event);
      })(),
    );
    expect(seen).toEqual([{ type: 'delta', content: 'alpha' }]);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('overloaded');
    expect(error.message).not.toContain(KEY);
  });

  it('a stream cut off (the body ends with neither finish_reason nor [DONE]) is a retryable LlmError, not a short answer', async () => {
    fake.reply({ content: 'alpha beta gamma delta', cutAfterChunks: 3 });
    const seen: LlmStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of llm.stream({ messages: [{ role: 'user', content: 'x' }] })) seen.push(event);
      })(),
    );
    expect(seen.map((event) => event.type)).toEqual(['delta', 'delta']);
    expect(error).toMatchObject({ retryable: true, message: 'openai: the stream ended before the answer was complete' });
  });

  it('a stream with a finish_reason but no [DONE], or [DONE] but no finish_reason, is complete', async () => {
    fake.reply({ content: 'alpha beta', omitDone: true });
    fake.reply({ content: 'gamma delta', omitFinishReason: true });
    for (const content of ['alpha beta', 'gamma delta']) {
      const events: LlmStreamEvent[] = [];
      for await (const event of llm.stream({ messages: [{ role: 'user', content: 'x' }] })) events.push(event);
      expect(events[events.length - 1]).toMatchObject({ type: 'done', response: { content } });
    }
  });

  it('stops a stream mid-answer when the caller aborts, as a non-retryable LlmError', async () => {
    fake.reply({ content: 'one two three four five', chunkDelayMs: 100 });
    const controller = new AbortController();
    const seen: LlmStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of llm.stream({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal })) {
          seen.push(event);
          controller.abort();
        }
      })(),
    );
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toContain('cancelled');
  });

  it('reports an unreachable server on a stream as a retryable LlmError', async () => {
    const unreachable = await unreachableProvider();
    const error = await failure(collect(unreachable.stream({ messages: [{ role: 'user', content: 'x' }] })));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not reach the provider: .*ECONNREFUSED/);
  });

  it('times out after LLM_TIMEOUT_MS as a retryable LlmError', async () => {
    const quick = provider(fake, { LLM_TIMEOUT_MS: '200' });
    fake.reply({ content: 'too late', delayMs: 1500 });
    const started = Date.now();
    const error = await failure(quick.complete({ messages: [{ role: 'user', content: 'x' }] }));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('times out a stream that stalls between chunks', async () => {
    const quick = provider(fake, { LLM_TIMEOUT_MS: '200' });
    fake.reply({ content: 'one two three four', chunkDelayMs: 600 });
    const seen: LlmStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of quick.stream({ messages: [{ role: 'user', content: 'x' }] })) seen.push(event);
      })(),
    );
    expect(error.retryable).toBe(true);
    expect(seen.some((e) => e.type === 'done')).toBe(false);
  });

  it('stops when the caller aborts, as a non-retryable LlmError', async () => {
    fake.reply({ content: 'slow', delayMs: 1500 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('cancelled');
  });

  it('reports an unreachable server as a retryable LlmError', async () => {
    const unreachable = await unreachableProvider();
    const error = await failure(unreachable.complete({ messages: [{ role: 'user', content: 'x' }] }));
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain(KEY);
  });

  it('never puts the API key in an error message, even when the server echoes it', async () => {
    fake.fail(401, { message: `Incorrect API key provided: ${KEY}.` });
    const auth = await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }] }));
    expect(auth).toMatchObject({ status: 401, retryable: false });
    expect(auth.message).not.toContain(KEY);
    expect(JSON.stringify({ ...auth, message: auth.message, stack: auth.stack })).not.toContain(KEY);

    fake.fail(500, { message: `internal: ${KEY}` });
    const streamed = await failure(collect(llm.stream({ messages: [{ role: 'user', content: 'x' }] })));
    expect(streamed.message).not.toContain(KEY);
  });

  it('sends no Authorization header to a keyless OpenAI-compatible server (Ollama, vLLM, LM Studio)', async () => {
    const keyless = createLlmProvider(loadConfig({ DATA_DIR: ':memory:', LLM_PROVIDER: 'openai', LLM_BASE_URL: fake.url, LLM_MODEL: 'llama3.2' }));
    fake.reply({ content: 'hi' });
    expect((await keyless.complete({ messages: [{ role: 'user', content: 'x' }] })).content).toBe('hi');
    expect(fake.calls[0].headers.authorization).toBeUndefined();
    expect(fake.requests[0].model).toBe('llama3.2');
  });

  it('answers 500 when no reply is scripted, so unexpected calls fail loudly', async () => {
    const error = await failure(llm.complete({ messages: [{ role: 'user', content: 'x' }] }));
    expect(error.message).toContain('no scripted reply');
  });
});
