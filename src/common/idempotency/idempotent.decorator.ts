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
        'response (header `Idempotent-Replayed: true`) without doing it twice; the same key with another request is 409. ' +
        'A key belongs to its caller (user or API key): the same key sent by another caller is an independent key. The ' +
        'replay includes what the first response showed only once (a generated secret), so responses are stored encrypted; ' +
        'one that can no longer be decrypted (encryption key changed) is 409.',
    }),
  );
}
