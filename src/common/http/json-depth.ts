import type { NextFunction, Request, Response } from 'express';
import { AppError } from './error-codes';

/**
 * The deepest nesting of objects and arrays a JSON body may have (`{}` is 1, `{"a": []}` is 2). The
 * API's own bodies nest 3 levels at most; free-form JSON (agent `config`, execute `context`, session
 * `metadata`) gets the rest. Deeper bodies are refused before anything walks them: class-transformer,
 * the idempotency hash and others recurse once per level, and ~3,000 levels overflowed the stack (a
 * 500 on any route, no login needed). JSON.parse itself does not recurse, but spends ~20x longer on
 * a deeply nested megabyte than on a flat one, so UTF-8 bodies are scanned before it parses them.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text nests objects and arrays deeper than `max`, read as bytes in one pass, stopping
 * at the first level too deep. Brackets inside strings do not count. The text need not be valid JSON
 * (the parser judges that afterwards). Works on UTF-8: no byte of a multi-byte character is ASCII.
 */
export function jsonTextNestsDeeperThan(text: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** Whether a parsed value nests objects and arrays deeper than `max`; level by level, without recursion. */
export function valueNestsDeeperThan(value: unknown, max: number): boolean {
  let level: object[] = value !== null && typeof value === 'object' ? [value] : [];
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > max) return true;
    const next: object[] = [];
    for (const container of level) {
      for (const item of Array.isArray(container) ? container : Object.values(container)) {
        if (item !== null && typeof item === 'object') next.push(item as object);
      }
    }
    level = next;
  }
  return false;
}

export function tooDeepError(max = MAX_JSON_DEPTH): AppError {
  return new AppError('INVALID_INPUT', `The JSON body nests deeper than ${max} levels of objects and arrays`, { max_depth: max });
}

/** Bodies in another charset than UTF-8 (rare: UTF-16 or 32) are checked once parsed (jsonDepthAfterParse). */
const parsedUnchecked = new WeakSet<Request>();

/**
 * The `verify` option of express.json: scans a UTF-8 body before it is parsed. What it throws reaches
 * the error middleware as it is (body-parser keeps the error's own 400 status).
 */
export function jsonDepthBeforeParse(max = MAX_JSON_DEPTH) {
  return (req: Request, _res: Response, raw: Buffer, encoding: string): void => {
    if (encoding !== 'utf-8') parsedUnchecked.add(req);
    else if (jsonTextNestsDeeperThan(raw, max)) throw tooDeepError(max);
  };
}

/** After express.json: the bodies jsonDepthBeforeParse could not scan as bytes. */
export function jsonDepthAfterParse(max = MAX_JSON_DEPTH) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (parsedUnchecked.delete(req) && valueNestsDeeperThan(req.body, max)) next(tooDeepError(max));
    else next();
  };
}
