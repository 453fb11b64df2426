import type { Plan, TenantRecord } from './tenant.entity';

export interface PlanLimits {
  /** Requests per UTC calendar day; null = unlimited. */
  requestsPerDay: number | null;
  requestsPerMinute: number;
  /** Agents per tenant; null = unlimited. */
  maxAgents: number | null;
}

/** The plan tiers of the reference (design.md section 4); Enterprise's per-minute default is ours. */
export const PLAN_LIMITS: Record<Plan, PlanLimits> = {
  free: { requestsPerDay: 50, requestsPerMinute: 60, maxAgents: 3 },
  solo: { requestsPerDay: 500, requestsPerMinute: 100, maxAgents: 10 },
  team: { requestsPerDay: 5000, requestsPerMinute: 500, maxAgents: 50 },
  enterprise: { requestsPerDay: null, requestsPerMinute: 1000, maxAgents: null },
};

/** A tenant's effective limits: its plan's, with its own overrides applied. */
export function limitsFor(tenant: Pick<TenantRecord, 'plan' | 'maxAgents' | 'requestsPerMinute'>): PlanLimits {
  const plan = PLAN_LIMITS[tenant.plan];
  return {
    requestsPerDay: plan.requestsPerDay,
    requestsPerMinute: tenant.requestsPerMinute ?? plan.requestsPerMinute,
    maxAgents: tenant.maxAgents ?? plan.maxAgents,
  };
}
