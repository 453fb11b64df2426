import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 speaking enough of the OpenAI Chat Completions API
 * (`POST /v1/chat/completions`, plain and `stream: true`) to test the real provider path.
 *
 *   const fake = await FakeOpenAI.start();
 *   fake.reply({ content: 'Hello' });                                      // next answer: text
 *   fake.reply({ toolCalls: [{ name: 'summarize', arguments: { text } }] }); // then: a tool call
 *   fake.fail(500);                                                         // then: an HTTP error
 *   ... LLM_BASE_URL = fake.url ...
 *   fake.requests  // every request body received, in order
 *   await fake.close();
 *
 * Scripted replies are used in order, one per request. With none left the server answers 500 with a
 * message saying so, so that an unexpected model call fails loudly.
 */

export interface FakeToolCall {
  id?: string;
  name: string;
  /** An object is sent as JSON; a string is sent as is (to script malformed arguments). */
  arguments: Record<string, unknown> | string;
}

export interface FakeReply {
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  /** Defaults to deterministic counts from the request and the reply (about four characters a token). */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Defaults to the model of the request. */
  model?: string;
  /** Wait this long before answering (before the headers: a provider that is slow to start). */
  delayMs?: number;
  /** Streaming only: wait this long before each chunk after the first (a provider that stalls mid-answer). */
  chunkDelayMs?: number;
  /** Streaming only: after the first content chunk, send `{error: {message}}` and end (a provider failing mid-answer). */
  midStreamError?: string;
  /** Streaming only: end the body cleanly after this many chunks, without finish_reason or [DONE] (a cut-off stream). */
  cutAfterChunks?: number;
  /** Streaming only: leave out the final `data: [DONE]` (finish_reason is still sent). */
  omitDone?: boolean;
  /** Streaming only: send no finish_reason (null in every chunk), as some OpenAI-compatible servers do; [DONE] still ends it. */
  omitFinishReason?: boolean;
}

export interface FakeFailure {
  /** Error message in the OpenAI error body. */
  message?: string;
  type?: string;
  delayMs?: number;
  headers?: Record<string, string>;
}

/** What the provider sends: the parts tests usually look at, typed; everything else kept. */
export interface FakeChatRequest {
  model: string;
  messages: Array<{
    role: string;
    content: string | null;
    tool_call_id?: string;
    tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  [key: string]: unknown;
}

export interface FakeCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when the body was not JSON). */
  body: FakeChatRequest | undefined;
}

type Script = { kind: 'reply'; reply: FakeReply } | { kind: 'fail'; status: number; failure: FakeFailure };

export class FakeOpenAI {
  /** Every chat request body received, in order (including the ones answered with an error). */
  readonly requests: FakeChatRequest[] = [];
  /** Every HTTP request received, with method, path and headers. */
  readonly calls: FakeCall[] = [];
  private readonly queue: Script[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private counter = 0;

  private constructor(
    private readonly server: Server,
    /** Base URL including `/v1`: what LLM_BASE_URL should be set to. */
    readonly url: string,
  ) {}

  static async start(): Promise<FakeOpenAI> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeOpenAI(server, `http://127.0.0.1:${port}/v1`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `FakeOpenAI crashed: ${String(error)}`, type: 'server_error' } }));
      });
    });
    return fake;
  }

  /** Queues the next answer. */
  reply(reply: FakeReply): this {
    this.queue.push({ kind: 'reply', reply });
    return this;
  }

  /** Queues an HTTP error answer with an OpenAI-style error body. */
  fail(status: number, failure: FakeFailure = {}): this {
    this.queue.push({ kind: 'fail', status, failure });
    return this;
  }

  /** Scripted replies not used yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Forgets the queue and what was received. */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.calls.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: FakeChatRequest | undefined;
    try {
      body = raw ? (JSON.parse(raw) as FakeChatRequest) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0];
    this.calls.push({ method: req.method ?? '', path, headers: req.headers, body });

    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(res, 404, { error: { message: `FakeOpenAI does not serve ${req.method} ${path}`, type: 'invalid_request_error' } });
    }
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      return sendJson(res, 400, { error: { message: 'FakeOpenAI: the body needs model and messages', type: 'invalid_request_error' } });
    }
    this.requests.push(body);

    const script = this.queue.shift();
    if (!script) {
      return sendJson(res, 500, { error: { message: 'FakeOpenAI: no scripted reply left for this request', type: 'server_error' } });
    }
    const delay = script.kind === 'reply' ? script.reply.delayMs : script.failure.delayMs;
    if (delay) {
      await this.sleep(delay);
      if (gone(res)) return; // the client gave up (timeout or abort)
    }
    if (script.kind === 'fail') {
      const { failure, status } = script;
      return sendJson(
        res,
        status,
        { error: { message: failure.message ?? `Scripted failure ${status}`, type: failure.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), code: null } },
        failure.headers,
      );
    }
    const completion = this.completion(body, script.reply);
    if (body.stream) return this.streamCompletion(res, body, script.reply, completion);
    return sendJson(res, 200, completion);
  }

  private completion(body: FakeChatRequest, reply: FakeReply) {
    const id = `chatcmpl-fake-${++this.counter}`;
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_fake_${this.counter}_${index}`,
      type: 'function' as const,
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const content = reply.content ?? (toolCalls.length ? null : '');
    const usage = reply.usage ?? {
      prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4),
      completion_tokens: Math.ceil(((content ?? '').length + JSON.stringify(toolCalls).length * (toolCalls.length ? 1 : 0)) / 4),
    };
    return {
      id,
      object: 'chat.completion' as const,
      created: 1_700_000_000 + this.counter,
      model: reply.model ?? body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant' as const, content, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          finish_reason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
          logprobs: null,
        },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    };
  }

  /** SSE: role, content in several chunks, tool calls in deltas (arguments in pieces), finish, usage, [DONE]. */
  private async streamCompletion(res: ServerResponse, body: FakeChatRequest, reply: FakeReply, completion: ReturnType<FakeOpenAI['completion']>) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const base = { id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model };
    const choice = completion.choices[0];
    const chunks: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
    for (const piece of splitContent(choice.message.content ?? '')) {
      chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
    (choice.message.tool_calls ?? []).forEach((call, index) => {
      chunks.push({
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }],
      });
      for (const piece of splitInThree(call.function.arguments)) {
        chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }] });
      }
    });
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: reply.omitFinishReason ? null : choice.finish_reason }] });
    if (body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: completion.usage });

    for (const [index, chunk] of chunks.entries()) {
      if (index > 0 && reply.chunkDelayMs) await this.sleep(reply.chunkDelayMs);
      if (gone(res)) return;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (reply.midStreamError && index === 1) {
        res.end(`data: ${JSON.stringify({ error: { message: reply.midStreamError, type: 'server_error' } })}\n\n`);
        return;
      }
      if (reply.cutAfterChunks !== undefined && index + 1 >= reply.cutAfterChunks) {
        res.end();
        return;
      }
    }
    res.end(reply.omitDone ? undefined : 'data: [DONE]\n\n');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function gone(res: ServerResponse): boolean {
  return res.destroyed || res.socket?.destroyed === true;
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (gone(res)) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

/** Content in word-sized chunks (each word with the whitespace before it), so streams really come in pieces. */
function splitContent(text: string): string[] {
  return text === '' ? [] : (text.match(/\s*\S+|\s+$/g) ?? [text]);
}

function splitInThree(text: string): string[] {
  if (text.length < 3) return [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter((piece) => piece !== '');
}
