import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { AccessClaims } from './auth.service';
import { jwtKey } from './jwt-key';

/** Verified tokens kept at most; the oldest is forgotten first (about 0.5 KB each). */
const MAX_REMEMBERED = 10_000;

interface Remembered {
  claims: AccessClaims;
  expiresAtMs: number;
}

function isAccessClaims(payload: unknown): payload is AccessClaims & { exp: number } {
  const claims = payload as Partial<AccessClaims> & { exp?: unknown };
  return (
    typeof payload === 'object' &&
    payload !== null &&
    claims.typ === 'access' &&
    typeof claims.tid === 'string' &&
    typeof claims.sub === 'string' &&
    typeof claims.exp === 'number'
  );
}

/**
 * Checks Bearer access tokens: HS256 only, signature and expiry by jsonwebtoken. A client sends the
 * same token on every request until it expires, and verifying it (HMAC plus jws parsing) was the
 * largest single cost of an authenticated request, so a token that verified once is remembered by
 * its exact string until its `exp`. A remembered string is byte-for-byte one whose signature was
 * checked, so remembering it trusts nothing new; expiry is still checked on every use. Invalid
 * tokens are never remembered.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly key;
  private readonly remembered = new Map<string, Remembered>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = jwtKey(config);
  }

  verify(token: string, now = Date.now()): AccessClaims | null {
    const known = this.remembered.get(token);
    if (known) {
      if (now < known.expiresAtMs) return known.claims;
      this.remembered.delete(token);
      return null;
    }
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], clockTimestamp: Math.floor(now / 1000) });
    } catch {
      return null;
    }
    if (!isAccessClaims(payload)) return null;
    const claims: AccessClaims = { sub: payload.sub, tid: payload.tid, ten: payload.ten, typ: 'access', iat: typeof payload.iat === 'number' ? payload.iat : 0 };
    this.remember(token, { claims, expiresAtMs: payload.exp * 1000 });
    return claims;
  }

  private remember(token: string, entry: Remembered): void {
    if (this.remembered.size >= MAX_REMEMBERED) {
      // Map iterates in insertion order: the first key is the oldest.
      this.remembered.delete(this.remembered.keys().next().value!);
    }
    this.remembered.set(token, entry);
  }
}

/** `Authorization: Bearer <token>` (scheme case-insensitive), else null. */
export function bearerTokenOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
