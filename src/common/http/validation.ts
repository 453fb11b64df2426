import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Body and query validation: unknown fields are refused, each bad field is listed in details.fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
