import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, ErrorCode } from './error-codes';
import { errorBody } from './envelope';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMIT_EXCEEDED',
  503: 'SERVICE_UNAVAILABLE',
};

/** PostgreSQL's character_not_in_repertoire: "invalid byte sequence for encoding UTF8: 0x00". */
const INVALID_TEXT_ENCODING = '22021';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** Turns anything thrown into the error envelope. Internals (stack, SQL) go to the log only. */
export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_INPUT');
    const response = exception.getResponse();
    let message = exception.message;
    if (typeof response === 'object' && response && 'message' in response) {
      const raw = (response as { message: unknown }).message;
      message = Array.isArray(raw) ? raw.join('; ') : String(raw);
    }
    if (status === HttpStatus.NOT_FOUND && message.startsWith('Cannot ')) message = 'Route not found';
    if (status >= 500) return new AppError('INTERNAL_ERROR', 'Internal server error');
    return new AppError(code, message);
  }
  // Text the database cannot store (U+0000) that reached it some way other than a validated field.
  if ((exception as { code?: unknown })?.code === INVALID_TEXT_ENCODING) {
    return new AppError('INVALID_INPUT', 'The request holds text the database cannot store (the NUL character, \\u0000)');
  }
  const parserError = exception as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') return new AppError('INVALID_INPUT', 'Malformed JSON body');
  if (parserError?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    return new AppError('INVALID_INPUT', 'Unsupported body encoding');
  }
  if (parserError?.expose && typeof parserError.status === 'number' && parserError.status < 500) {
    return new AppError(STATUS_CODES[parserError.status] ?? 'INVALID_INPUT', 'Malformed request');
  }
  return new AppError('INTERNAL_ERROR', 'Internal server error');
}

export function sendError(req: Request, res: Response, exception: unknown, logger: Logger): void {
  const error = toAppError(exception);
  if (error.code === 'INTERNAL_ERROR') {
    const stack = exception instanceof Error ? exception.stack : String(exception);
    logger.error(JSON.stringify({ request_id: req.requestId, method: req.method, path: req.path, error: stack }));
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json(errorBody(req, error.code, error.message, error.details));
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<Request>(), http.getResponse<Response>(), exception, this.logger);
  }
}
