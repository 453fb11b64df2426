/** Weight of a governance violation by the complexity of the blocked action: 4 critical, 3 high, 2 medium, 1 low. */
export const VIOLATION_WEIGHT: Record<1 | 2 | 3 | 4, number> = { 4: 1.0, 3: 0.7, 2: 0.4, 1: 0.1 };

/** 1 minus the sum of the violations' weights, floored at 0 (issue 4's compliance score). */
export function complianceScore(blockedComplexities: Array<1 | 2 | 3 | 4>): number {
  const penalty = blockedComplexities.reduce((sum, complexity) => sum + VIOLATION_WEIGHT[complexity], 0);
  return Math.max(0, Math.round((1 - penalty) * 1000) / 1000);
}
