import type { LlmMessage, LlmRequest, LlmStreamEvent, LlmToolSpec } from './llm.types';
import { LlmError } from './llm.types';
import { LOCAL_LABEL, LocalLlmProvider, splitWords, toolArguments } from './local.provider';

const tools: LlmToolSpec[] = [
  { name: 'memory_search', description: 'Search memory', parameters: { type: 'object', properties: { query: { type: 'string' } } } },
  { name: 'summarize', description: 'Summarize text', parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  { name: 'draft', description: 'Draft text', parameters: { type: 'object' } },
];

async function collect(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('LocalLlmProvider', () => {
  const local = new LocalLlmProvider();

  it('is the local provider with the local-echo model by default', () => {
    expect(local.name).toBe('local');
    expect(local.defaultModel).toBe('local-echo');
    expect(new LocalLlmProvider('demo').defaultModel).toBe('demo');
  });

  it('answers a plain task with labelled text, finishReason stop and approximate usage', async () => {
    const response = await local.complete({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Plan the week' }] });
    expect(response).toEqual({
      content: `${LOCAL_LABEL}Task: Plan the week`,
      toolCalls: [],
      usage: { promptTokens: Math.ceil('Be brief.\nPlan the week'.length / 4), completionTokens: Math.ceil(`${LOCAL_LABEL}Task: Plan the week`.length / 4) },
      model: 'local-echo',
      provider: 'local',
      finishReason: 'stop',
    });
  });

  it('gives the same answer for the same input', async () => {
    const request: LlmRequest = { messages: [{ role: 'user', content: 'use summarize on this' }], tools };
    expect(await local.complete(request)).toEqual(await local.complete(structuredClone(request)));
    const plain: LlmRequest = { messages: [{ role: 'user', content: 'hello' }] };
    expect(await local.complete(plain)).toEqual(await new LocalLlmProvider().complete(plain));
  });

  it('uses the model of the request when given', async () => {
    expect((await local.complete({ model: 'other', messages: [{ role: 'user', content: 'x' }] })).model).toBe('other');
  });

  it('calls memory_search with {query} when the task names it', async () => {
    const task = 'Look in memory_search for last week';
    const response = await local.complete({ messages: [{ role: 'user', content: task }], tools });
    expect(response.finishReason).toBe('tool_calls');
    expect(response.content.startsWith(LOCAL_LABEL)).toBe(true);
    expect(response.toolCalls).toEqual([{ id: 'call_local_1', name: 'memory_search', arguments: { query: task } }]);
  });

  it('fills the required string properties of the schema for other tools', async () => {
    const task = 'Please use summarize: the report is long';
    const response = await local.complete({ messages: [{ role: 'user', content: task }], tools });
    expect(response.toolCalls).toEqual([{ id: 'call_local_1', name: 'summarize', arguments: { text: task } }]);
  });

  it('falls back to {text} for a tool whose schema requires nothing', async () => {
    const response = await local.complete({ messages: [{ role: 'user', content: 'DRAFT a letter' }], tools });
    expect(response.toolCalls).toEqual([{ id: 'call_local_1', name: 'draft', arguments: { text: 'DRAFT a letter' } }]);
  });

  it('calls the tool named first in the task', async () => {
    const response = await local.complete({ messages: [{ role: 'user', content: 'summarize after memory_search' }], tools });
    expect(response.toolCalls.map((c) => c.name)).toEqual(['summarize']);
  });

  it('matches whole names only, and only tools that are offered', async () => {
    const notAWord = await local.complete({ messages: [{ role: 'user', content: 'summarized memory_searches' }], tools });
    expect(notAWord.finishReason).toBe('stop');
    const notOffered = await local.complete({ messages: [{ role: 'user', content: 'use summarize' }] });
    expect(notOffered).toMatchObject({ finishReason: 'stop', toolCalls: [] });
    const otherTools = await local.complete({ messages: [{ role: 'user', content: 'use http_request' }], tools });
    expect(otherTools.finishReason).toBe('stop');
  });

  it('looks at the last user message only', async () => {
    const messages: LlmMessage[] = [
      { role: 'user', content: 'use summarize' },
      { role: 'assistant', content: 'done' },
      { role: 'user', content: 'thanks' },
    ];
    expect((await local.complete({ messages, tools })).finishReason).toBe('stop');
  });

  it('answers with the task and the tool result once the tool has answered', async () => {
    const messages: LlmMessage[] = [
      { role: 'system', content: 'You are an agent.' },
      { role: 'user', content: 'use summarize on the report' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_local_1', name: 'summarize', arguments: { text: 'x' } }] },
      { role: 'tool', toolCallId: 'call_local_1', content: 'A short summary.' },
    ];
    const response = await local.complete({ messages, tools });
    expect(response).toMatchObject({
      finishReason: 'stop',
      toolCalls: [],
      content: `${LOCAL_LABEL}Task: use summarize on the report\nTool results:\n- summarize: A short summary.`,
    });
  });

  it('calls a second named tool after the first has answered, with a new id', async () => {
    const messages: LlmMessage[] = [
      { role: 'user', content: 'memory_search then summarize' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_local_1', name: 'memory_search', arguments: { query: 'x' } }] },
      { role: 'tool', toolCallId: 'call_local_1', content: 'found 3 episodes' },
    ];
    const response = await local.complete({ messages, tools });
    expect(response.toolCalls).toEqual([{ id: 'call_local_2', name: 'summarize', arguments: { text: 'memory_search then summarize' } }]);
  });

  it('answers a conversation with no user message', async () => {
    expect((await local.complete({ messages: [{ role: 'system', content: 's' }] })).content).toBe(`${LOCAL_LABEL}Task: (none)`);
  });

  it('stops at maxTokens with finishReason length, still labelled', async () => {
    const response = await local.complete({ messages: [{ role: 'user', content: 'x'.repeat(400) }], maxTokens: 10 });
    expect(response.finishReason).toBe('length');
    expect(response.content).toHaveLength(40);
    expect(response.content.startsWith(LOCAL_LABEL)).toBe(true);
    expect(response.usage.completionTokens).toBe(10);
  });

  it('refuses a request whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(local.complete({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal })).rejects.toBeInstanceOf(LlmError);
  });

  describe('stream', () => {
    it('yields the content word by word, in order, then done with the same response as complete()', async () => {
      const request: LlmRequest = { messages: [{ role: 'user', content: 'Plan the  week\nplease' }] };
      const events = await collect(local.stream(request));
      const deltas = events.filter((e) => e.type === 'delta').map((e) => (e.type === 'delta' ? e.content : ''));
      const expected = await local.complete(request);
      expect(deltas).toEqual(['[local ', 'model] ', 'Task: ', 'Plan ', 'the  ', 'week\n', 'please']);
      expect(deltas.join('')).toBe(expected.content);
      expect(events[events.length - 1]).toEqual({ type: 'done', response: expected });
      expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    });

    it('streams a tool call as labelled text then done with the call', async () => {
      const events = await collect(local.stream({ messages: [{ role: 'user', content: 'use summarize' }], tools }));
      const done = events[events.length - 1];
      expect(done.type === 'done' && done.response.toolCalls.map((c) => c.name)).toEqual(['summarize']);
      expect(events[0]).toEqual({ type: 'delta', content: '[local ' });
    });

    it('stops when the signal aborts mid-stream', async () => {
      const controller = new AbortController();
      const seen: LlmStreamEvent[] = [];
      await expect(
        (async () => {
          for await (const event of local.stream({ messages: [{ role: 'user', content: 'one two three four' }], signal: controller.signal })) {
            seen.push(event);
            controller.abort();
          }
        })(),
      ).rejects.toThrow(LlmError);
      expect(seen).toHaveLength(1);
    });
  });
});

describe('splitWords', () => {
  it('keeps every character', () => {
    for (const text of ['', 'a', ' lead', 'a b', 'tail ', 'x\n\ny  z\t']) expect(splitWords(text).join('')).toBe(text);
  });
});

describe('toolArguments', () => {
  const spec = (parameters: Record<string, unknown>, name = 'tool'): LlmToolSpec => ({ name, description: '', parameters });

  it('uses defaults and first enum values of required properties, and the task for strings', () => {
    const schema = {
      type: 'object',
      properties: { url: { type: 'string' }, method: { type: 'string', enum: ['GET', 'POST'] }, limit: { type: 'integer', default: 5 }, flag: { type: 'boolean' } },
      required: ['url', 'method', 'limit', 'flag'],
    };
    expect(toolArguments(spec(schema), 'task')).toEqual({ url: 'task', method: 'GET', limit: 5 });
  });

  it('falls back to {query} for memory_search and {text} otherwise', () => {
    expect(toolArguments(spec({}, 'memory_search'), 'q')).toEqual({ query: 'q' });
    expect(toolArguments(spec({ type: 'object', required: 'nonsense' }), 't')).toEqual({ text: 't' });
  });
});
