import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Marks a POST with an effect as safe to retry with an `Idempotency-Key` header. */
export function Idempotent() {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any string of 1-255 visible ASCII characters. A repeat with the same key and request within 24 h returns the first ' +
        'response (header `Idempotent-Replayed: true`) without doing it twice; the same key with another request is 409.',
    }),
  );
}
