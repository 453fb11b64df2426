import { IsString, validate } from 'class-validator';
import { AppError } from './error-codes';
import { createValidationPipe, fieldsNamedProto, fieldsWithUnstorableText, HasText, IsId, ParseIdPipe } from './validation';

describe('fieldsWithUnstorableText', () => {
  it('finds nothing in text without U+0000, whatever else it holds', () => {
    expect(fieldsWithUnstorableText({ name: 'Ünïcode ✓ \t\n', tags: ['a', ''], nested: { n: 1, b: true, z: null }, raw: '\\u0000 as six characters' })).toEqual([]);
    expect(fieldsWithUnstorableText(undefined)).toEqual([]);
  });

  it('names every field holding it: nested objects, array items, keys, a bare value or a named parameter', () => {
    const body = { name: 'a\u0000b', config: { deep: [{ ok: 'x' }, { bad: '\u0000' }], ['k\u0000ey']: 'fine' }, ok: 'fine' };
    expect(fieldsWithUnstorableText(body)).toEqual(['config.deep[1].bad', 'config.k\\u0000ey', 'name']);
    expect(fieldsWithUnstorableText('x\u0000')).toEqual(['value']);
    expect(fieldsWithUnstorableText('x\u0000', 'turn_id')).toEqual(['turn_id']);
  });

  it('names text with an unpaired surrogate (which jsonb refuses and text would replace), not a paired one', () => {
    expect(fieldsWithUnstorableText({ ok: 'emoji 😀 \ud83d\ude00', lone: 'x\ud800', trailing: 'y\udc00', ['k\ud800']: 1 })).toEqual(['k\ufffd', 'lone', 'trailing']);
  });

  it('walks deeply nested values without recursion', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(fieldsWithUnstorableText({ deep })).toHaveLength(1);
  });
});

describe('fieldsNamedProto', () => {
  it('names every __proto__ key JSON.parse made an own property, at any depth', () => {
    const body = JSON.parse('{"name":"a","__proto__":1,"config":{"list":[{"__proto__":{"x":1}}],"ok":{"proto":1}}}');
    expect(fieldsNamedProto(body)).toEqual(['__proto__', 'config.list[0].__proto__']);
  });

  it('finds none in an ordinary object, whose __proto__ is its prototype and not a key', () => {
    expect(fieldsNamedProto({ name: 'a', nested: { constructor: 'text', prototype: 1 } })).toEqual([]);
  });
});

describe('HasText', () => {
  class Named {
    @IsString()
    @HasText()
    name: unknown;
  }
  const problems = async (name: unknown) => (await validate(Object.assign(new Named(), { name }))).flatMap((e) => Object.values(e.constraints ?? {}));

  it.each(['a', ' a ', '\u00a0x', 'é', '😀', '\u200b'])('accepts %j', async (name) => {
    expect(await problems(name)).toEqual([]);
  });

  it.each(['', ' ', '   ', '\t\n\r', '\u00a0', '\u2003\u3000', '\ufeff', ' '.repeat(30)])('refuses whitespace only: %j', async (name) => {
    expect(await problems(name)).toEqual(['name must contain a non-space character']);
  });

  it('leaves other types to the type check', async () => {
    expect(await problems(42)).toEqual(['name must be a string']);
  });
});

describe('the validation pipe', () => {
  class Dto {
    @IsString()
    name: string;
  }
  const pipe = createValidationPipe();

  it('refuses a __proto__ key like any unknown field, in the body and in the query', async () => {
    for (const type of ['body', 'query'] as const) {
      const error = await pipe.transform(JSON.parse('{"name":"a","__proto__":{"polluted":true}}'), { type, metatype: Dto }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { fields: [{ field: '__proto__', errors: ['property __proto__ should not exist'] }] } });
    }
  });

  it('refuses another unknown field with the same wording', async () => {
    const error = await pipe.transform({ name: 'a', extra: 1 }, { type: 'body', metatype: Dto }).catch((e: unknown) => e);
    expect(error).toMatchObject({ details: { fields: [{ field: 'extra', errors: ['property extra should not exist'] }] } });
  });
});

describe('ids', () => {
  const ID = '6B2827AD-CAD6-455A-B9CB-B3C94149293D';

  it('IsId: a UUID of any case comes out lowercased; anything else is INVALID_INPUT', async () => {
    class Dto {
      @IsId()
      session_id: string;
    }
    const pipe = createValidationPipe();
    expect(await pipe.transform({ session_id: ID }, { type: 'query', metatype: Dto })).toMatchObject({ session_id: ID.toLowerCase() });
    const error = await pipe.transform({ session_id: 'not-a-uuid' }, { type: 'query', metatype: Dto }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { fields: [{ field: 'session_id', errors: ['session_id must be a UUID'] }] } });
  });

  it('ParseIdPipe: a path id of any case comes out lowercased; anything else is refused', async () => {
    const pipe = new ParseIdPipe();
    expect(await pipe.transform(ID, { type: 'param', data: 'id' })).toBe(ID.toLowerCase());
    await expect(pipe.transform('6b2827ad', { type: 'param', data: 'id' })).rejects.toThrow(/uuid is expected/);
  });
});
