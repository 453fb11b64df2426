import type { EntityManager } from 'typeorm';

/**
 * Transaction-scoped advisory locks that order the writes to one user's refresh tokens (the
 * transaction's end releases them). Two levels, always taken in this order, so they cannot deadlock:
 * - a login's family, exclusive: a refresh, a replay of a spent token and a logout of one login run
 *   one after another, so revoking the family sees the token a concurrent rotation inserts;
 * - the user's sessions, shared by every refresh and exclusive for a password change, so revoking all
 *   of a user's tokens cannot miss one a refresh is about to write.
 */

/**
 * The family and user of the refresh token with this hash, both locked (family exclusive, user
 * shared) until the transaction ends; undefined when no token has the hash.
 */
export async function lockRefreshTokenSession(em: EntityManager, tokenHash: string): Promise<{ familyId: string; userId: string } | undefined> {
  const [row] = (await em.query(
    `SELECT family_id AS "familyId", user_id AS "userId",
            pg_advisory_xact_lock(hashtext('atom:refresh:' || family_id::text)),
            pg_advisory_xact_lock_shared(hashtext('atom:sessions:' || user_id::text))
       FROM refresh_tokens WHERE token_hash = $1`,
    [tokenHash],
  )) as { familyId: string; userId: string }[];
  return row;
}

/** Revokes every refresh token of the user (all their logins), waiting for refreshes in flight. */
export async function revokeUserSessions(em: EntityManager, userId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtext('atom:sessions:' || $1::text))`, [userId]);
  await em.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
}
