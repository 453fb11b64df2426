import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { LlmError, type LlmMessage } from './llm.types';
import { fromOpenAiCompletion, OpenAiStreamAccumulator, parseOpenAiChunk, parseToolArguments, toFinishReason, toOpenAiMessages, toOpenAiTools } from './openai.mapping';

function completion(message: Partial<ChatCompletion.Choice['message']>, finish: ChatCompletion.Choice['finish_reason'] = 'stop', usage?: ChatCompletion['usage']): ChatCompletion {
  return {
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-test-2024',
    choices: [{ index: 0, finish_reason: finish, logprobs: null, message: { role: 'assistant', content: null, refusal: null, ...message } }],
    usage,
  };
}

function chunk(delta: ChatCompletionChunk.Choice['delta'], finish: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test-2024', choices: [{ index: 0, delta, finish_reason: finish }] };
}

describe('toOpenAiMessages', () => {
  it('maps each role, tool calls with JSON arguments, and tool results', () => {
    const messages: LlmMessage[] = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'task' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'memory_search', arguments: { query: 'q', limit: 3 } }] },
      { role: 'tool', toolCallId: 'call_1', content: 'result' },
      { role: 'assistant', content: 'answer' },
    ];
    expect(toOpenAiMessages(messages)).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'task' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'memory_search', arguments: '{"query":"q","limit":3}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'result' },
      { role: 'assistant', content: 'answer' },
    ]);
  });

  it('keeps the text of an assistant message beside its tool calls', () => {
    const [mapped] = toOpenAiMessages([{ role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'a', name: 't', arguments: {} }] }]);
    expect(mapped).toMatchObject({ content: 'Let me look.', tool_calls: [{ function: { arguments: '{}' } }] });
  });

  it('refuses a tool message without toolCallId and an unknown role', () => {
    expect(() => toOpenAiMessages([{ role: 'tool', content: 'x' }])).toThrow(LlmError);
    expect(() => toOpenAiMessages([{ role: 'robot' as never, content: 'x' }])).toThrow(/unknown role/);
  });
});

describe('toOpenAiTools', () => {
  it('offers function tools with their JSON schema', () => {
    const parameters = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };
    expect(toOpenAiTools([{ name: 'memory_search', description: 'Search', parameters }])).toEqual([
      { type: 'function', function: { name: 'memory_search', description: 'Search', parameters } },
    ]);
  });
});

describe('parseToolArguments', () => {
  it('parses a JSON object and takes empty arguments as {}', () => {
    expect(parseToolArguments('t', '{"a":1,"b":{"c":[true]}}')).toEqual({ a: 1, b: { c: [true] } });
    expect(parseToolArguments('t', '')).toEqual({});
    expect(parseToolArguments('t', '  ')).toEqual({});
    expect(parseToolArguments('t', undefined)).toEqual({});
  });

  it.each(['{"a":', 'not json', '[1,2]', '"text"', '42', 'null'])('refuses %s with a non-retryable LlmError naming the tool', (raw) => {
    let caught: unknown;
    try {
      parseToolArguments('summarize', raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LlmError);
    expect((caught as LlmError).retryable).toBe(false);
    expect((caught as LlmError).message).toContain('summarize');
  });
});

describe('toFinishReason', () => {
  it.each([
    ['stop', 0, 'stop'],
    ['length', 0, 'length'],
    ['length', 1, 'length'],
    ['tool_calls', 1, 'tool_calls'],
    ['function_call', 0, 'tool_calls'],
    ['stop', 2, 'tool_calls'],
    ['content_filter', 0, 'stop'],
    [null, 0, 'stop'],
  ] as const)('%s with %i tool calls -> %s', (reason, calls, expected) => {
    expect(toFinishReason(reason, calls)).toBe(expected);
  });
});

describe('fromOpenAiCompletion', () => {
  it('maps text, usage and model', () => {
    expect(fromOpenAiCompletion(completion({ content: 'Hello' }, 'stop', { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 }), 'asked')).toEqual({
      content: 'Hello',
      toolCalls: [],
      usage: { promptTokens: 12, completionTokens: 3 },
      model: 'gpt-test-2024',
      provider: 'openai',
      finishReason: 'stop',
    });
  });

  it('maps tool calls, skips custom tool calls, and counts missing usage as 0', () => {
    const response = fromOpenAiCompletion(
      completion(
        {
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'summarize', arguments: '{"text":"abc"}' } },
            { id: 'call_2', type: 'custom', custom: { name: 'free', input: 'x' } },
          ],
        },
        'tool_calls',
      ),
      'asked',
    );
    expect(response).toMatchObject({ content: '', toolCalls: [{ id: 'call_1', name: 'summarize', arguments: { text: 'abc' } }], finishReason: 'tool_calls', usage: { promptTokens: 0, completionTokens: 0 } });
  });

  it('uses the requested model when the server names none', () => {
    expect(fromOpenAiCompletion({ ...completion({ content: 'x' }), model: '' }, 'asked').model).toBe('asked');
  });

  it('refuses an answer without choices or with malformed arguments', () => {
    expect(() => fromOpenAiCompletion({ ...completion({}), choices: [] }, 'm')).toThrow(/no choices/);
    expect(() => fromOpenAiCompletion({} as ChatCompletion, 'm')).toThrow(LlmError);
    expect(() => fromOpenAiCompletion(completion({ tool_calls: [{ id: 'x', type: 'function', function: { name: 't', arguments: '{oops' } }] }), 'm')).toThrow(LlmError);
  });
});

describe('OpenAiStreamAccumulator', () => {
  it('accumulates content and returns each delta', () => {
    const acc = new OpenAiStreamAccumulator('asked');
    expect(acc.add(chunk({ role: 'assistant', content: '' }))).toBe('');
    expect(acc.add(chunk({ content: 'Hel' }))).toBe('Hel');
    expect(acc.add(chunk({ content: 'lo' }))).toBe('lo');
    acc.add(chunk({}, 'stop'));
    acc.add({ ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
    expect(acc.result()).toEqual({ content: 'Hello', toolCalls: [], usage: { promptTokens: 5, completionTokens: 2 }, model: 'gpt-test-2024', provider: 'openai', finishReason: 'stop' });
  });

  it('assembles interleaved tool-call deltas by index', () => {
    const acc = new OpenAiStreamAccumulator('asked');
    acc.add(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'summarize', arguments: '' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'memory_search', arguments: '{"qu' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 1, function: { arguments: '{"text":' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ery":"x"}' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 1, function: { arguments: '"y"}' } }] }));
    acc.add(chunk({}, 'tool_calls'));
    expect(acc.result()).toMatchObject({
      toolCalls: [
        { id: 'call_a', name: 'memory_search', arguments: { query: 'x' } },
        { id: 'call_b', name: 'summarize', arguments: { text: 'y' } },
      ],
      finishReason: 'tool_calls',
      usage: { promptTokens: 0, completionTokens: 0 },
    });
  });

  it('gives a call without id a stable one, and refuses malformed streamed arguments', () => {
    const acc = new OpenAiStreamAccumulator('asked');
    acc.add(chunk({ tool_calls: [{ index: 0, function: { name: 't', arguments: '{}' } }] }));
    expect(acc.result().toolCalls).toEqual([{ id: 'call_0', name: 't', arguments: {} }]);
    const bad = new OpenAiStreamAccumulator('asked');
    bad.add(chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 't', arguments: '{"a":' } }] }));
    expect(() => bad.result()).toThrow(LlmError);
  });

  it('uses the requested model when chunks carry none', () => {
    const acc = new OpenAiStreamAccumulator('asked');
    acc.add({ ...chunk({ content: 'x' }), model: '' });
    expect(acc.result().model).toBe('asked');
  });
});

describe('parseOpenAiChunk', () => {
  it('parses a chunk', () => {
    expect(parseOpenAiChunk('{"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}')).toEqual({ id: 'c', choices: [{ index: 0, delta: { content: 'hi' } }] });
  });

  it('refuses data that is not a JSON object with a non-retryable LlmError', () => {
    for (const data of ['not json', '42', 'null']) {
      expect(() => parseOpenAiChunk(data)).toThrow(LlmError);
      expect(() => parseOpenAiChunk(data)).toThrow(/openai: the stream sent an event that is not/);
    }
  });

  it('throws the message of an error the server sent instead of a chunk, as a plain Error for toLlmError to word', () => {
    const thrown = (data: string) => {
      try {
        parseOpenAiChunk(data);
      } catch (error) {
        return error as Error;
      }
      throw new Error('nothing thrown');
    };
    expect(thrown('{"error":{"message":"overloaded","type":"server_error"}}')).toMatchObject({ message: 'overloaded' });
    expect(thrown('{"error":{"message":"overloaded"}}')).not.toBeInstanceOf(LlmError);
    expect(thrown('{"error":"quota exceeded"}').message).toBe('quota exceeded');
    expect(thrown('{"error":{}}').message).toBe('the stream reported an error');
  });
});
