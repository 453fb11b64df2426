import { ActionArgumentsError, assertArguments, schemaProblems } from './schema';

const schema = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 5 },
    count: { type: 'integer', minimum: 1, maximum: 10 },
    ratio: { type: 'number', minimum: 0, maximum: 1 },
    flag: { type: 'boolean' },
    mode: { type: 'string', enum: ['a', 'b'] },
    tags: { type: 'array', items: { type: 'string' } },
    body: { type: ['string', 'object'] },
    nested: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  },
  required: ['text'],
};

describe('schemaProblems', () => {
  it('accepts arguments that fit, ignoring properties the schema does not name', () => {
    expect(
      schemaProblems(schema, { text: 'hi', count: 3, ratio: 0.5, flag: false, mode: 'a', tags: ['x'], body: {}, nested: { id: '1' }, extra: 1 }),
    ).toEqual([]);
    expect(schemaProblems(schema, { text: 'x', body: 'plain' })).toEqual([]);
  });

  it('treats an undefined optional property as absent', () => {
    expect(schemaProblems(schema, { text: 'x', count: undefined })).toEqual([]);
  });

  it('names a missing required property', () => {
    expect(schemaProblems(schema, {})).toEqual(['text: is required']);
    expect(schemaProblems(schema, { text: undefined })).toEqual(['text: is required']);
  });

  it.each([
    [{ text: 1 }, 'text: must be a string, got integer'],
    [{ text: '' }, 'text: must have at least 1 characters'],
    [{ text: 'toolong' }, 'text: must have at most 5 characters'],
    [{ text: 'x', count: 1.5 }, 'count: must be an integer, got number'],
    [{ text: 'x', count: '3' }, 'count: must be an integer, got string'],
    [{ text: 'x', count: 0 }, 'count: must be at least 1'],
    [{ text: 'x', count: 11 }, 'count: must be at most 10'],
    [{ text: 'x', ratio: Infinity }, 'ratio: must be a number, got non-finite number'],
    [{ text: 'x', ratio: NaN }, 'ratio: must be a number, got non-finite number'],
    [{ text: 'x', flag: 'true' }, 'flag: must be a boolean, got string'],
    [{ text: 'x', mode: 'c' }, 'mode: must be one of "a", "b", got "c"'],
    [{ text: 'x', tags: 'x' }, 'tags: must be an array, got string'],
    [{ text: 'x', tags: ['ok', 2] }, 'tags[1]: must be a string, got integer'],
    [{ text: 'x', body: 3 }, 'body: must be a string or an object, got integer'],
    [{ text: 'x', body: null }, 'body: must be a string or an object, got null'],
    [{ text: 'x', nested: {} }, 'nested.id: is required'],
    [{ text: 'x', nested: { id: 5 } }, 'nested.id: must be a string, got integer'],
  ])('%p -> %s', (value, problem) => {
    expect(schemaProblems(schema, value)).toEqual([problem]);
  });

  it('lists every problem, not just the first', () => {
    expect(schemaProblems(schema, { count: 0, mode: 'z' })).toEqual([
      'text: is required',
      'count: must be at least 1',
      'mode: must be one of "a", "b", got "z"',
    ]);
  });

  it.each([null, undefined, 'text', 42, ['text']])('refuses arguments that are not an object (%p)', (value) => {
    expect(schemaProblems(schema, value)).toEqual([expect.stringMatching(/^arguments: must be an object, got /)]);
  });

  it('does not recurse without end', () => {
    const deep: Record<string, unknown> = { type: 'object', properties: {} };
    (deep.properties as Record<string, unknown>).child = deep;
    let value: Record<string, unknown> = {};
    const root = value;
    for (let i = 0; i < 40; i += 1) {
      value.child = {};
      value = value.child as Record<string, unknown>;
    }
    expect(schemaProblems(deep, root)).toEqual([expect.stringMatching(/nested too deeply$/)]);
  });

  it('shortens a long bad value in the message', () => {
    const [problem] = schemaProblems(schema, { text: 'x', mode: 'y'.repeat(500) });
    expect(problem.length).toBeLessThan(120);
  });
});

describe('assertArguments', () => {
  it('throws an ActionArgumentsError naming the action and every problem', () => {
    let caught: unknown;
    try {
      assertArguments('summarize', schema, { count: 0 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ActionArgumentsError);
    expect((caught as ActionArgumentsError).message).toBe('Invalid arguments for summarize: text: is required; count: must be at least 1');
    expect((caught as ActionArgumentsError).problems).toHaveLength(2);
    expect((caught as ActionArgumentsError).action).toBe('summarize');
  });

  it('returns quietly for good arguments', () => {
    expect(() => assertArguments('x', schema, { text: 'ok' })).not.toThrow();
  });
});
