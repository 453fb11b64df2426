import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { AnthropicStreamAccumulator, fromAnthropicMessage, toAnthropicPrompt, toAnthropicTools, toFinishReason } from './anthropic.mapping';
import { LlmError, type LlmMessage } from './llm.types';

function message(content: unknown[], stopReason: Message['stop_reason'] = 'end_turn', usage: Partial<Message['usage']> = {}): Message {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 4, cache_creation_input_tokens: null, cache_read_input_tokens: null, ...usage },
  } as unknown as Message;
}

describe('toAnthropicPrompt', () => {
  it('takes system messages out as one system prompt, in order', () => {
    const prompt = toAnthropicPrompt([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'task' },
      { role: 'system', content: 'Examples: …' },
      { role: 'system', content: '  ' },
    ]);
    expect(prompt.system).toBe('You are terse.\n\nExamples: …');
    expect(prompt.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'task' }] }]);
  });

  it('has no system field when there is no system message', () => {
    expect(toAnthropicPrompt([{ role: 'user', content: 'x' }])).not.toHaveProperty('system');
  });

  it('maps a tool round trip: tool_use after the assistant text, tool_result in a user turn', () => {
    const messages: LlmMessage[] = [
      { role: 'user', content: 'find it' },
      { role: 'assistant', content: 'Searching.', toolCalls: [{ id: 'toolu_1', name: 'memory_search', arguments: { query: 'it' } }] },
      { role: 'tool', toolCallId: 'toolu_1', content: '3 hits' },
      { role: 'assistant', content: 'Found 3.' },
    ];
    expect(toAnthropicPrompt(messages).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'find it' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Searching.' },
          { type: 'tool_use', id: 'toolu_1', name: 'memory_search', input: { query: 'it' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '3 hits' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Found 3.' }] },
    ]);
  });

  it('merges parallel tool results and a following user message into one user turn, tool results first', () => {
    const messages: LlmMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 't1', arguments: {} }, { id: 'b', name: 't2', arguments: { x: 1 } }] },
      { role: 'tool', toolCallId: 'a', content: 'ra' },
      { role: 'user', content: 'also this' },
      { role: 'tool', toolCallId: 'b', content: 'rb' },
    ];
    const turns = toAnthropicPrompt(messages).messages;
    expect(turns).toHaveLength(3);
    expect(turns[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'a', name: 't1', input: {} },
        { type: 'tool_use', id: 'b', name: 't2', input: { x: 1 } },
      ],
    });
    expect(turns[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'a', content: 'ra' },
        { type: 'tool_result', tool_use_id: 'b', content: 'rb' },
        { type: 'text', text: 'also this' },
      ],
    });
  });

  it('merges consecutive turns of one role and leaves out empty text', () => {
    const turns = toAnthropicPrompt([
      { role: 'user', content: 'a' },
      { role: 'user', content: '' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'c' },
    ]).messages;
    expect(turns).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it('does not change the messages it is given', () => {
    const messages: LlmMessage[] = [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }];
    const copy = structuredClone(messages);
    toAnthropicPrompt(messages);
    expect(messages).toEqual(copy);
  });

  it('refuses a tool message without toolCallId and an unknown role', () => {
    expect(() => toAnthropicPrompt([{ role: 'tool', content: 'x' }])).toThrow(LlmError);
    expect(() => toAnthropicPrompt([{ role: 'robot' as never, content: 'x' }])).toThrow(/unknown role/);
  });
});

describe('toAnthropicTools', () => {
  it('maps parameters to an object input_schema', () => {
    const parameters = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };
    expect(toAnthropicTools([{ name: 'memory_search', description: 'Search', parameters }])).toEqual([
      { name: 'memory_search', description: 'Search', input_schema: parameters },
    ]);
    expect(toAnthropicTools([{ name: 'x', description: '', parameters: { properties: {} } }])[0].input_schema).toEqual({ type: 'object', properties: {} });
  });
});

describe('toFinishReason', () => {
  it.each([
    ['end_turn', 0, 'stop'],
    ['stop_sequence', 0, 'stop'],
    ['tool_use', 1, 'tool_calls'],
    ['max_tokens', 0, 'length'],
    ['model_context_window_exceeded', 0, 'length'],
    ['refusal', 0, 'stop'],
    ['pause_turn', 1, 'tool_calls'],
    [null, 0, 'stop'],
  ] as const)('%s with %i tool calls -> %s', (reason, calls, expected) => {
    expect(toFinishReason(reason, calls)).toBe(expected);
  });
});

describe('fromAnthropicMessage', () => {
  it('joins text blocks, maps tool_use blocks, counts cached input as prompt tokens', () => {
    const response = fromAnthropicMessage(
      message(
        [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'search.' },
          { type: 'tool_use', id: 'toolu_1', name: 'memory_search', input: { query: 'x' } },
        ],
        'tool_use',
        { cache_read_input_tokens: 5 },
      ),
      'asked',
    );
    expect(response).toEqual({
      content: 'Let me search.',
      toolCalls: [{ id: 'toolu_1', name: 'memory_search', arguments: { query: 'x' } }],
      usage: { promptTokens: 15, completionTokens: 4 },
      model: 'claude-test',
      provider: 'anthropic',
      finishReason: 'tool_calls',
    });
  });

  it('maps a plain answer, and refuses malformed ones', () => {
    expect(fromAnthropicMessage(message([{ type: 'text', text: 'Hi' }]), 'asked')).toMatchObject({ content: 'Hi', toolCalls: [], finishReason: 'stop' });
    expect(() => fromAnthropicMessage({} as Message, 'asked')).toThrow(LlmError);
    expect(() => fromAnthropicMessage(message([{ type: 'tool_use', id: 't', name: 'x', input: [1] }]), 'asked')).toThrow(LlmError);
  });
});

describe('AnthropicStreamAccumulator', () => {
  const events = (list: unknown[]) => list as RawMessageStreamEvent[];

  it('accumulates text deltas and tool input JSON deltas, usage and stop reason', () => {
    const acc = new AnthropicStreamAccumulator('asked');
    const texts = events([
      { type: 'message_start', message: message([], null, { input_tokens: 20, output_tokens: 1 }) },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Look' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ing.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_9', name: 'summarize', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"text": "a' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'bc"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 17 } },
      { type: 'message_stop' },
    ]).map((event) => acc.add(event));
    expect(texts.filter(Boolean)).toEqual(['Look', 'ing.']);
    expect(acc.result()).toEqual({
      content: 'Looking.',
      toolCalls: [{ id: 'toolu_9', name: 'summarize', arguments: { text: 'abc' } }],
      usage: { promptTokens: 20, completionTokens: 17 },
      model: 'claude-test',
      provider: 'anthropic',
      finishReason: 'tool_calls',
    });
  });

  it('takes a tool call with no input deltas as {} and refuses malformed input JSON', () => {
    const acc = new AnthropicStreamAccumulator('asked');
    acc.add(events([{ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'draft', input: {} } }])[0]);
    expect(acc.result()).toMatchObject({ toolCalls: [{ id: 't', name: 'draft', arguments: {} }], model: 'asked', finishReason: 'tool_calls' });
    const bad = new AnthropicStreamAccumulator('asked');
    for (const event of events([
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'draft', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
    ])) bad.add(event);
    expect(() => bad.result()).toThrow(/draft/);
  });

  it('ends with length on max_tokens', () => {
    const acc = new AnthropicStreamAccumulator('asked');
    acc.add(events([{ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 3 } }])[0]);
    expect(acc.result()).toMatchObject({ finishReason: 'length', usage: { promptTokens: 0, completionTokens: 3 } });
  });
});
