import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { TenantDb, type TenantScope } from '../../database/tenant-db';
import { AppError, ErrorCode } from '../http/error-codes';
import { toAppError } from '../http/exception.filter';
import { overrideStatus } from '../http/status-override';
import { requestHash } from './request-hash';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const REPLAY_HOURS = 24;
// A claim whose request never finished (the process died) can be taken over after this long.
const ABANDONED_MINUTES = 15;

type StoredResponse = { data: unknown } | { error: { code: ErrorCode; message: string; details: Record<string, unknown> } };

interface KeyRow {
  request_hash: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_body: StoredResponse | null;
}

/**
 * `Idempotency-Key` on POSTs with an effect (design.md section 5): the first response, success or
 * error (not a 5xx), is stored for 24 h per tenant and replayed with the current request's meta; the
 * same key with another request is 409 CONFLICT, and so is a duplicate while the first still runs.
 * The claim is committed before the handler runs, so concurrent duplicates cannot both get through.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly db: TenantDb) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.header('idempotency-key');
    if (key === undefined) return next.handle();
    if (!KEY_FORMAT.test(key)) {
      throw new AppError('INVALID_INPUT', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
        fields: [{ field: 'Idempotency-Key', errors: ['must be 1 to 255 visible ASCII characters'] }],
      });
    }
    const tenant = req.context?.tenant;
    if (!tenant) return next.handle();
    const hash = requestHash(`${context.getClass().name}.${context.getHandler().name}`, req.params, req.body);

    const existing = await this.claim(tenant, key, hash);
    if (existing) return this.replay(existing, hash, res);

    return next.handle().pipe(
      mergeMap((data) => from(this.store(tenant, key, res.statusCode, { data })).pipe(mergeMap(() => of(data)))),
      catchError((error: unknown) => {
        const failure = toAppError(error);
        const settle = failure.status >= 500 ? this.release(tenant, key) : this.store(tenant, key, failure.status, {
          error: { code: failure.code, message: failure.message, details: failure.details },
        });
        return from(settle.catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }

  /** Claims the key for this request; returns the row of an earlier request when the key is taken. */
  private async claim(tenant: TenantScope, key: string, hash: string): Promise<KeyRow | null> {
    return this.db.run(tenant, async (em) => {
      const claimed: unknown[] = await em.query(
        `INSERT INTO idempotency_keys (key, request_hash, state) VALUES ($1, $2, 'running')
         ON CONFLICT (key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'running', response_status = NULL, response_body = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - interval '${REPLAY_HOURS} hours'
              OR (idempotency_keys.state = 'running' AND idempotency_keys.created_at < now() - interval '${ABANDONED_MINUTES} minutes')
         RETURNING key`,
        [key, hash],
      );
      if (claimed.length > 0) return null;
      const [row] = (await em.query(
        'SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE key = $1',
        [key],
      )) as KeyRow[];
      return row;
    });
  }

  private replay(row: KeyRow, hash: string, res: Response): Observable<unknown> {
    if (row.request_hash !== hash) {
      throw new AppError('CONFLICT', 'This Idempotency-Key was already used with a different request');
    }
    if (row.state !== 'done' || !row.response_body || row.response_status === null) {
      throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress');
    }
    res.setHeader('Idempotent-Replayed', 'true');
    const body = row.response_body;
    if ('error' in body) {
      const error = new AppError(body.error.code, body.error.message, body.error.details);
      return throwError(() => error);
    }
    overrideStatus(res, row.response_status);
    return of(body.data);
  }

  private async store(tenant: TenantScope, key: string, status: number, body: StoredResponse): Promise<void> {
    await this.db.run(tenant, (em) =>
      em.query(`UPDATE idempotency_keys SET state = 'done', response_status = $2, response_body = $3 WHERE key = $1`, [
        key,
        status,
        JSON.stringify(body),
      ]),
    );
  }

  /** A 5xx is not stored: the key is freed so that the client's retry runs again. */
  private async release(tenant: TenantScope, key: string): Promise<void> {
    await this.db.run(tenant, (em) => em.query('DELETE FROM idempotency_keys WHERE key = $1', [key]));
  }
}
