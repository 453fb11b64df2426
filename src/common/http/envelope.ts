import type { Request } from 'express';
import type { ErrorCode } from './error-codes';

export interface Meta {
  timestamp: string;
  request_id: string;
}

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  pages: number;
}

/** What a list handler returns; the interceptor lifts `pagination` beside `data`. */
export class Paginated<T> {
  constructor(
    readonly items: T[],
    readonly pagination: Pagination,
  ) {}
}

export function metaFor(req: Request): Meta {
  return { timestamp: new Date().toISOString(), request_id: req.requestId ?? 'req_unknown' };
}

export function successBody(req: Request, data: unknown) {
  if (data instanceof Paginated) {
    return { success: true, data: data.items, pagination: data.pagination, meta: metaFor(req) };
  }
  return { success: true, data: data ?? null, meta: metaFor(req) };
}

export function errorBody(req: Request, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { success: false, error: { code, message, details }, meta: metaFor(req) };
}
