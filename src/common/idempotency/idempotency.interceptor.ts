import { hkdfSync } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { TenantDb, type TenantScope } from '../../database/tenant-db';
import { AppError } from '../http/error-codes';
import { toAppError } from '../http/exception.filter';
import { overrideStatus } from '../http/status-override';
import { SecretBox } from '../secret-box';
import { idempotencyOwner, openResponse, sealResponse, type StoredResponse } from './idempotency-record';
import { requestHash } from './request-hash';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const REPLAY_HOURS = 24;
// A claim whose request never finished (the process died) can be taken over after this long.
const ABANDONED_MINUTES = 15;

interface KeyRow {
  request_hash: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_sealed: string | null;
}

/** One caller's key in one tenant (the table's primary key is owner + key, inside the tenant's schema). */
interface KeyScope {
  tenant: TenantScope;
  owner: string;
  key: string;
}

/**
 * `Idempotency-Key` on POSTs with an effect (design.md section 5): the first response, success or
 * error (not a 5xx), is stored for 24 h and replayed with the current request's meta; the same key
 * with another request is 409 CONFLICT, and so is a duplicate while the first still runs.
 * A key belongs to its caller (the principal, within the tenant): another caller's identical key is
 * an independent key, so a response is only ever replayed to the caller it was first given to.
 * The stored response is sealed with the secret box (it may hold a secret shown once); one that can
 * no longer be opened (ENCRYPTION_KEY changed) is 409 rather than a second run of the request.
 * The claim is committed before the handler runs, so concurrent duplicates cannot both get through.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly hashKey: Buffer;

  constructor(
    private readonly db: TenantDb,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly box: SecretBox,
  ) {
    // Its own key for the request hashes, derived from the same secret (a key serves one purpose).
    this.hashKey = Buffer.from(hkdfSync('sha256', config.encryptionKey, Buffer.alloc(0), 'atom idempotency request hash', 32));
  }

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
    // Without a tenant there is nowhere to keep the key, and without a caller nobody it could safely
    // belong to: the request runs as if it had no key (every @Idempotent() route is authenticated).
    const owner = idempotencyOwner(req.context);
    if (!tenant || !owner) return next.handle();
    const scope: KeyScope = { tenant, owner, key };
    const hash = requestHash(this.hashKey, `${context.getClass().name}.${context.getHandler().name}`, req.params, req.body);

    const existing = await this.claim(scope, hash);
    if (existing) return this.replay(existing, hash, res);

    return next.handle().pipe(
      mergeMap((data) => from(this.store(scope, res.statusCode, { data })).pipe(mergeMap(() => of(data)))),
      catchError((error: unknown) => {
        const failure = toAppError(error);
        const settle = failure.status >= 500 ? this.release(scope) : this.store(scope, failure.status, {
          error: { code: failure.code, message: failure.message, details: failure.details },
        });
        return from(settle.catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }

  /** Claims the key for this request; returns the row of an earlier request when the key is taken. */
  private async claim({ tenant, owner, key }: KeyScope, hash: string): Promise<KeyRow | null> {
    return this.db.run(tenant, async (em) => {
      const claimed: unknown[] = await em.query(
        `INSERT INTO idempotency_keys (owner, key, request_hash, state) VALUES ($1, $2, $3, 'running')
         ON CONFLICT (owner, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'running', response_status = NULL, response_sealed = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - interval '${REPLAY_HOURS} hours'
              OR (idempotency_keys.state = 'running' AND idempotency_keys.created_at < now() - interval '${ABANDONED_MINUTES} minutes')
         RETURNING key`,
        [owner, key, hash],
      );
      if (claimed.length > 0) return null;
      const [row] = (await em.query(
        'SELECT request_hash, state, response_status, response_sealed FROM idempotency_keys WHERE owner = $1 AND key = $2',
        [owner, key],
      )) as KeyRow[];
      return row;
    });
  }

  private replay(row: KeyRow, hash: string, res: Response): Observable<unknown> {
    if (row.request_hash !== hash) {
      throw new AppError('CONFLICT', 'This Idempotency-Key was already used with a different request');
    }
    if (row.state !== 'done' || !row.response_sealed || row.response_status === null) {
      throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress');
    }
    const body = openResponse(this.box, row.response_sealed);
    if (!body) {
      // Running the request again could do it twice (the first one did happen): refuse instead.
      this.logger.warn('A stored idempotent response could not be decrypted (was ENCRYPTION_KEY changed?)');
      throw new AppError(
        'CONFLICT',
        'The response stored for this Idempotency-Key can no longer be read; the request was already done once. Send it with a new key to run it again',
      );
    }
    res.setHeader('Idempotent-Replayed', 'true');
    if ('error' in body) {
      const error = new AppError(body.error.code, body.error.message, body.error.details);
      return throwError(() => error);
    }
    overrideStatus(res, row.response_status);
    return of(body.data);
  }

  private async store({ tenant, owner, key }: KeyScope, status: number, body: StoredResponse): Promise<void> {
    const sealed = sealResponse(this.box, body);
    await this.db.run(tenant, (em) =>
      em.query(`UPDATE idempotency_keys SET state = 'done', response_status = $3, response_sealed = $4 WHERE owner = $1 AND key = $2`, [
        owner,
        key,
        status,
        sealed,
      ]),
    );
  }

  /** A 5xx is not stored: the key is freed so that the client's retry runs again. */
  private async release({ tenant, owner, key }: KeyScope): Promise<void> {
    await this.db.run(tenant, (em) => em.query('DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2', [owner, key]));
  }
}
