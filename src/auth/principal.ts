import type { TenantRecord } from '../tenancy/tenant.entity';

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

const ROLE_RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

export interface Principal {
  type: 'user' | 'api_key';
  /** The user's id, or the API key's id. */
  id: string;
  role: Role;
  /** The user behind a JWT, loaded fresh on every request so that deleted users and role changes apply at once. */
  user?: { id: string; email: string; name: string | null; role: Role; created_at: Date; updated_at: Date };
}

/** Who is calling and for which tenant: handed explicitly to services, never read from a global. */
export interface RequestContext {
  tenant: TenantRecord;
  principal?: Principal;
  requestId: string;
}

/** A context with a caller: what every protected handler receives. */
export interface AuthContext extends RequestContext {
  principal: Principal;
}
