import 'express';
import type { RequestContext } from '../../auth/principal';

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
    startedAt?: bigint;
    /** Tenant slug named by the host or X-Tenant-ID, before it is checked against the credential. */
    tenantHint?: string;
    /** Set once the tenant is resolved (and, on protected routes, the caller authenticated). */
    context?: RequestContext;
  }
}
