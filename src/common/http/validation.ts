import { applyDecorators, type ArgumentMetadata, ParseUUIDPipe, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { buildMessage, IsUUID, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { FieldError, invalidInput } from './error-codes';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const fields: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) fields.push({ field, errors: Object.values(error.constraints) });
    if (error.children?.length) fields.push(...flatten(error.children, field));
  }
  return fields;
}

const NUL = '\u0000';

/** Text PostgreSQL cannot store as given: U+0000, or a lone UTF-16 surrogate (not valid Unicode). */
function unstorable(text: string): boolean {
  return text.includes(NUL) || !text.isWellFormed();
}

/**
 * The fields of a request value (body, query, a path parameter) whose text PostgreSQL cannot store,
 * keys included: U+0000 (refused in text and jsonb) and unpaired surrogates (`"\ud800"` in JSON: jsonb
 * refuses the escape, text would silently get U+FFFD). Such a value would otherwise fail in the
 * database after the request had passed validation. Walked without recursion (bodies can nest deeply).
 */
export function fieldsWithUnstorableText(value: unknown, root = ''): string[] {
  return inspect(value, root).unstorable;
}

/**
 * The `__proto__` keys of a request value, at any depth. JSON.parse makes them ordinary own
 * properties, which class-transformer then assigns to the DTO as its prototype (a no-op for a
 * non-object, a prototype swap for an object) instead of a field: the unknown-field check never sees
 * them. Refused like any unknown field; no free-form JSON the API stores needs such a key.
 */
export function fieldsNamedProto(value: unknown, root = ''): string[] {
  return inspect(value, root).protoKeys;
}

const PROTO = '__proto__';

/** One walk, without recursion, for both checks of the pipe. */
function inspect(value: unknown, root: string): { unstorable: string[]; protoKeys: string[] } {
  const badText: string[] = [];
  const protoKeys: string[] = [];
  const pending: Array<[unknown, string]> = [[value, root]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (unstorable(current)) badText.push(visible(path) || 'value');
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, `${path}[${index}]`]));
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        const field = path ? `${path}.${key}` : key;
        if (unstorable(key)) badText.push(visible(field));
        if (key === PROTO) protoKeys.push(visible(field));
        pending.push([item, field]);
      }
    }
  }
  return { unstorable: badText.sort(), protoKeys: protoKeys.sort() };
}

/** A field name as the error reports it: a NUL in a key shown as the six characters `\u0000`, a lone surrogate as U+FFFD. */
function visible(field: string): string {
  return field.split(NUL).join('\\u0000').toWellFormed();
}

const UNSTORABLE_TEXT = 'must not contain the NUL character (\\u0000) or an unpaired surrogate (such as \\ud800)';

class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const { unstorable: fields, protoKeys } = inspect(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (fields.length > 0) {
        const errors = [UNSTORABLE_TEXT];
        throw invalidInput(`Validation failed: ${fields.join(', ')} ${UNSTORABLE_TEXT}`, fields.map((field) => ({ field, errors })));
      }
      if (protoKeys.length > 0) {
        const errors = [`property ${PROTO} should not exist`];
        throw invalidInput(`Validation failed: ${protoKeys.map((field) => `${field}: ${errors[0]}`).join('; ')}`, protoKeys.map((field) => ({ field, errors })));
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Body, query and parameter validation: unknown fields are refused, each bad field is listed in
 * details.fields; text PostgreSQL cannot store is refused in any field (fieldsWithUnstorableText), and
 * so is a `__proto__` key at any depth (fieldsNamedProto).
 */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const summary = fields.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; ');
      return invalidInput(summary ? `Validation failed: ${summary}` : 'Validation failed', fields);
    },
  });
}

/**
 * Like @IsOptional, but only for an absent field: an explicit `null` is validated like any other
 * value (and refused by the field's other rules). For columns that cannot be cleared.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

const NON_SPACE = /\S/u;

/**
 * Text that must say something: at least one character that is not whitespace (Unicode White_Space,
 * as `\s`). For required names, titles, reasons and the like, where `"   "` would pass a length check
 * and be stored as if it were a value. Other types pass through (@IsString reports them).
 * Documents itself: adds `pattern: \S` to the field's OpenAPI schema (merged with its @ApiProperty).
 */
export function HasText(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    ValidateBy(
      {
        name: 'hasText',
        validator: {
          validate: (value: unknown) => typeof value !== 'string' || NON_SPACE.test(value),
          defaultMessage: buildMessage((each) => `${each}$property must contain a non-space character`, options),
        },
      },
      options,
    ),
    ApiProperty({ pattern: '\\S' }),
  );
}

/**
 * Ids arrive in any case (a UUID is case-insensitive, and so is PostgreSQL's uuid type) but are kept
 * and compared in lower case everywhere else: in-memory registries (a chat session's running turn)
 * and echoed responses. Without it, an id typed in capitals was another key in memory: a second turn
 * ran in a busy session, and a live turn could not be cancelled or resumed.
 */
function lowerCaseId(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

/** A UUID body or query field (any version), lowercased. */
export function IsId(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => lowerCaseId(value)),
    IsUUID(undefined, options),
  );
}

/** A UUID path parameter (any version), lowercased: 400 `INVALID_INPUT` for anything else. */
export class ParseIdPipe extends ParseUUIDPipe {
  constructor() {
    super({ version: undefined });
  }

  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return lowerCaseId(await super.transform(value, metadata)) as string;
  }
}
