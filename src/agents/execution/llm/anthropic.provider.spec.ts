import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANTHROPIC_VERSION, AnthropicProvider } from './anthropic.provider';
import { LlmError, type LlmStreamEvent } from './llm.types';

// A minimal stand-in for the Messages API on 127.0.0.1: enough to prove the SDK wiring (path, headers,
// body, SSE parsing, error mapping). The mapping itself is covered in anthropic.mapping.spec.ts.
type Answer = { status: number; body?: unknown; sse?: Array<[string, unknown]>; delayMs?: number };

const KEY = 'sk-ant-api03-secret-key-0123456789';
let server: Server;
let baseUrl: string;
const answers: Answer[] = [];
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (part) => (raw += part));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw || '{}') });
      const answer = answers.shift() ?? { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'no answer scripted' } } };
      setTimeout(() => {
        if (res.destroyed) return;
        if (answer.sse) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const [event, data] of answer.sse) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
          res.end();
        } else {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.body));
        }
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  answers.length = 0;
  received.length = 0;
});

const provider = (timeoutMs = 2000) => new AnthropicProvider({ apiKey: KEY, baseUrl, model: 'claude-test', timeoutMs });
const usage = { input_tokens: 11, output_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: null };

describe('AnthropicProvider', () => {
  it('sends the system prompt apart, tools as input_schema, max_tokens, and maps the answer', async () => {
    answers.push({
      status: 200,
      body: {
        id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', stop_reason: 'tool_use', stop_sequence: null, usage,
        content: [{ type: 'text', text: 'Searching.' }, { type: 'tool_use', id: 'toolu_1', name: 'memory_search', input: { query: 'x' } }],
      },
    });
    const response = await provider().complete({
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'find x' }],
      tools: [{ name: 'memory_search', description: 'Search', parameters: { type: 'object', properties: { query: { type: 'string' } } } }],
    });
    expect(response).toEqual({
      content: 'Searching.',
      toolCalls: [{ id: 'toolu_1', name: 'memory_search', arguments: { query: 'x' } }],
      usage: { promptTokens: 11, completionTokens: 5 },
      model: 'claude-test',
      provider: 'anthropic',
      finishReason: 'tool_calls',
    });
    const [call] = received;
    expect(call.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token; older versions used x-api-key.
    expect([call.headers['x-api-key'], call.headers.authorization]).toContainEqual(expect.stringMatching(new RegExp(`^(Bearer )?${KEY}$`)));
    expect(call.headers['anthropic-version']).toBeDefined();
    expect(call.body).toMatchObject({
      model: 'claude-test',
      max_tokens: 4096,
      system: 'Be terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'find x' }] }],
      tools: [{ name: 'memory_search', input_schema: { type: 'object' } }],
    });
  });

  it('streams text deltas in order, then done with tool calls and usage', async () => {
    answers.push({
      status: 200,
      sse: [
        ['message_start', { type: 'message_start', message: { id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage } }],
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'One ' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'two.' } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'summarize', input: {} } }],
        ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"text":' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"abc"}' } }],
        ['content_block_stop', { type: 'content_block_stop', index: 1 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }],
        ['message_stop', { type: 'message_stop' }],
      ],
    });
    const events: LlmStreamEvent[] = [];
    for await (const event of provider().stream({ messages: [{ role: 'user', content: 'go' }] })) events.push(event);
    expect(events).toEqual([
      { type: 'delta', content: 'One ' },
      { type: 'delta', content: 'two.' },
      {
        type: 'done',
        response: {
          content: 'One two.',
          toolCalls: [{ id: 'toolu_2', name: 'summarize', arguments: { text: 'abc' } }],
          usage: { promptTokens: 11, completionTokens: 9 },
          model: 'claude-test',
          provider: 'anthropic',
          finishReason: 'tool_calls',
        },
      },
    ]);
    expect(received[0].body).toMatchObject({ stream: true });
  });

  it("streams with the SDK's own headers (anthropic-version, x-api-key) and the same body as a plain call", async () => {
    answers.push({ status: 200, body: { id: 'msg_h', type: 'message', role: 'assistant', model: 'claude-test', stop_reason: 'end_turn', stop_sequence: null, usage, content: [] } });
    answers.push({ status: 200, sse: [['message_stop', { type: 'message_stop' }]] });
    const request = { messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'hi' }], maxTokens: 77 };
    await provider().complete(request);
    for await (const event of provider().stream(request)) expect(event.type).toBe('done');
    const [plain, streamed] = received;
    expect(streamed.path).toBe(plain.path);
    // The version the SDK sends (its own constant) is the one streamed calls send: an SDK upgrade that moves it fails here.
    expect(plain.headers['anthropic-version']).toBe(ANTHROPIC_VERSION);
    expect(streamed.headers['anthropic-version']).toBe(ANTHROPIC_VERSION);
    expect(streamed.headers['x-api-key']).toBe(KEY);
    expect(streamed.headers['content-type']).toBe('application/json');
    expect(streamed.body).toEqual({ ...plain.body, stream: true });
  });

  it('skips ping events, and maps an error event sent mid-stream to an LlmError without the key', async () => {
    answers.push({
      status: 200,
      sse: [
        ['ping', { type: 'ping' }],
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Part' } }],
        ['error', { type: 'error', error: { type: 'overloaded_error', message: `Overloaded for ${KEY}` } }],
      ],
    });
    const events: LlmStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of provider().stream({ messages: [{ role: 'user', content: 'go' }] })) events.push(event);
    })().catch((e: unknown) => e);
    expect(events).toEqual([{ type: 'delta', content: 'Part' }]);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).message).toBe('anthropic: Overloaded for [redacted]');
  });

  it('a stream cut off before message_stop and without a stop_reason is a retryable LlmError, not a short answer', async () => {
    answers.push({
      status: 200,
      sse: [
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half an' } }],
      ],
    });
    const events: LlmStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of provider().stream({ messages: [{ role: 'user', content: 'go' }] })) events.push(event);
    })().catch((e: unknown) => e);
    expect(events).toEqual([{ type: 'delta', content: 'Half an' }]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ retryable: true, message: 'anthropic: the stream ended before the answer was complete' });
  });

  it('maps an error status on a stream like on a plain call', async () => {
    answers.push({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const error = await (async () => {
      for await (const event of provider().stream({ messages: [{ role: 'user', content: 'go' }] })) void event;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ status: 529, retryable: true, message: 'anthropic: HTTP 529: Overloaded' });
  });

  it.each([
    [529, 'overloaded_error', true],
    [429, 'rate_limit_error', true],
    [401, 'authentication_error', false],
    [400, 'invalid_request_error', false],
  ])('maps HTTP %i (%s) to LlmError, retryable: %s, without the key', async (status, type, retryable) => {
    answers.push({ status, body: { type: 'error', error: { type, message: `problem with key ${KEY}` } } });
    const error = await provider().complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ status, retryable });
    expect((error as LlmError).message).not.toContain(KEY);
    expect((error as LlmError).message).toBe(`anthropic: HTTP ${status}: problem with key [redacted]`);
  });

  it('times out after LLM_TIMEOUT_MS as a retryable LlmError', async () => {
    answers.push({ status: 200, body: {}, delayMs: 1500 });
    const started = Date.now();
    const error = await provider(200).complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('200 ms') });
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('honours the caller signal', async () => {
    answers.push({ status: 200, body: {}, delayMs: 1500 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await provider().complete({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('cancelled') });
  });
});
