import { HttpStatus } from '@nestjs/common';

/** Every error code the API can answer with, and the HTTP status it travels with. */
export const ERROR_STATUS = {
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  RATE_LIMIT_EXCEEDED: HttpStatus.TOO_MANY_REQUESTS,
  AGENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  AGENT_LIMIT_EXCEEDED: HttpStatus.FORBIDDEN,
  GOVERNANCE_VIOLATION: HttpStatus.FORBIDDEN,
  INVALID_INPUT: HttpStatus.BAD_REQUEST,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
  CONFLICT: HttpStatus.CONFLICT,
  TENANT_NOT_FOUND: HttpStatus.NOT_FOUND,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one exception type domain code throws. The exception filter maps it to the envelope;
 * `headers` lets an error carry response headers (Retry-After) without touching the response.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export interface FieldError {
  field: string;
  errors: string[];
}

export function invalidInput(message: string, fields: FieldError[] = []): AppError {
  return new AppError('INVALID_INPUT', message, { fields });
}
