import type { Request } from 'express';
import { AppError } from '../common/http/error-codes';
import { isValidSlug } from './slug';

/** `acme.<base>` names tenant acme; the base domain itself, other hosts and reserved labels name none. */
export function slugFromHost(hostname: string | undefined, baseDomain: string): string | undefined {
  if (!hostname) return undefined;
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const suffix = `.${baseDomain}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  return isValidSlug(label) ? label : undefined;
}

/**
 * The tenant the request names through its host and/or X-Tenant-ID. Both present must agree.
 * The credential's own tenant is checked against this later, by the auth guard.
 */
export function tenantHintOf(req: Request, baseDomain: string): string | undefined {
  const fromHost = slugFromHost(req.hostname, baseDomain);
  const header = req.header('x-tenant-id');
  const fromHeader = header === undefined || header === '' ? undefined : header.toLowerCase();
  if (fromHeader !== undefined && !isValidSlug(fromHeader)) {
    throw new AppError('TENANT_NOT_FOUND', 'X-Tenant-ID does not name a tenant');
  }
  if (fromHost && fromHeader && fromHost !== fromHeader) {
    throw new AppError('FORBIDDEN', 'The host and X-Tenant-ID name different tenants');
  }
  return fromHost ?? fromHeader;
}
