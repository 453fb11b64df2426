import { type ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
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

/**
 * The fields of a request value (body, query, a path parameter) whose text holds U+0000, keys
 * included: PostgreSQL cannot store that character in text or jsonb, so such a value would fail in
 * the database, after the request had passed validation. Walked without recursion (bodies can nest deeply).
 */
export function fieldsWithNul(value: unknown, root = ''): string[] {
  const fields: string[] = [];
  const pending: Array<[unknown, string]> = [[value, root]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (current.includes(NUL)) fields.push(visible(path) || 'value');
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, `${path}[${index}]`]));
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        const field = path ? `${path}.${key}` : key;
        if (key.includes(NUL)) fields.push(visible(field));
        pending.push([item, field]);
      }
    }
  }
  return fields.sort();
}

/** A field name as the error reports it: a NUL in a key shown as the six characters `\u0000`. */
function visible(field: string): string {
  return field.split(NUL).join('\\u0000');
}

class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const fields = fieldsWithNul(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (fields.length > 0) {
        const errors = ['must not contain the NUL character (\\u0000)'];
        throw invalidInput(`Validation failed: ${fields.join(', ')} must not contain the NUL character (\\u0000)`, fields.map((field) => ({ field, errors })));
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Body, query and parameter validation: unknown fields are refused, each bad field is listed in
 * details.fields; text holding U+0000 is refused in any field (fieldsWithNul).
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
