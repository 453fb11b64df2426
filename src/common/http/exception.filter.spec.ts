import { BadRequestException, ForbiddenException, HttpException, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { AppError } from './error-codes';
import { toAppError } from './exception.filter';

describe('toAppError', () => {
  it('passes an AppError through unchanged', () => {
    const error = new AppError('AGENT_NOT_FOUND', 'No such agent', { id: 'a1' }, { 'Retry-After': '3' });
    expect(toAppError(error)).toBe(error);
  });

  it("turns Nest's unknown-route 404 into NOT_FOUND 'Route not found'", () => {
    const error = toAppError(new NotFoundException('Cannot GET /x'));
    expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'Route not found' });
  });

  it('keeps the message of any other 404', () => {
    expect(toAppError(new NotFoundException('User not found')).message).toBe('User not found');
  });

  it('maps Nest HTTP exceptions by status and joins validation messages', () => {
    expect(toAppError(new ForbiddenException('nope'))).toMatchObject({ code: 'FORBIDDEN', status: 403, message: 'nope' });
    expect(toAppError(new BadRequestException(['name is empty', 'plan is unknown']))).toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
      message: 'name is empty; plan is unknown',
    });
    expect(toAppError(new HttpException('slow down', 429))).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', status: 429 });
  });

  it.each([
    ['HttpException 500', new HttpException('db password is hunter2', 500)],
    ['InternalServerErrorException', new InternalServerErrorException('relation "users" does not exist')],
    ['HttpException 502', new HttpException('upstream at 10.0.0.7 failed', 502)],
  ])('hides the message of a %s behind INTERNAL_ERROR', (_label, exception) => {
    const error = toAppError(exception);
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR', status: 500, message: 'Internal server error' });
  });

  it('turns a JSON parse failure into INVALID_INPUT', () => {
    const parserError = Object.assign(new SyntaxError('Unexpected token } in JSON at position 7'), {
      type: 'entity.parse.failed', status: 400, expose: true,
    });
    expect(toAppError(parserError)).toMatchObject({ code: 'INVALID_INPUT', status: 400, message: 'Malformed JSON body' });
  });

  it('turns a too-large body into PAYLOAD_TOO_LARGE 413', () => {
    const parserError = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, expose: true });
    expect(toAppError(parserError)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('turns an unsupported body encoding into INVALID_INPUT', () => {
    expect(toAppError({ type: 'encoding.unsupported', status: 415, expose: true }).code).toBe('INVALID_INPUT');
  });

  it("turns PostgreSQL's refusal of a NUL character (22021) into INVALID_INPUT without the driver's message", () => {
    const refused = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const error = toAppError(refused);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.status).toBe(400);
    expect(error.message).not.toMatch(/byte sequence|UTF8/);
  });

  it('turns an arbitrary Error into INTERNAL_ERROR without leaking its message', () => {
    const error = toAppError(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'));
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR', status: 500 });
    expect(error.message).not.toMatch(/ECONNREFUSED|10\.0\.0\.5|hunter2/);
  });

  it.each([null, undefined, 'a string', 42])('turns the non-error %p into INTERNAL_ERROR', (thrown) => {
    expect(toAppError(thrown).code).toBe('INTERNAL_ERROR');
  });

  it('does not trust an exposed status of 500 or more', () => {
    expect(toAppError({ expose: true, status: 503 }).code).toBe('INTERNAL_ERROR');
  });
});
