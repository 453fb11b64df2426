import type { Role } from './principal';

export const ACCESS_KEY = 'atom:access';

/**
 * Who may call a route:
 * - `tenant`: a user (JWT) or API key of the tenant, at least `role` (the default for any route).
 * - `tenant-public`: no credential, but a tenant from the host or X-Tenant-ID (login, refresh).
 * - `platform`: the operator, with X-Platform-Key.
 * - `open`: anyone (health, docs).
 */
export type AccessKind = 'tenant' | 'tenant-public' | 'platform' | 'open';

export interface AccessRule {
  kind: AccessKind;
  role?: Role;
  /**
   * Also accept the access token as the `access_token` query parameter (browser EventSource clients
   * cannot set headers). Only for SSE routes: a token in a URL ends up in histories and proxy logs.
   */
  queryToken?: boolean;
}
