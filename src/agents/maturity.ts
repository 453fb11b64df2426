/** The trust ladder an agent climbs; new agents start at the bottom. Order matters. */
export const MATURITY_LEVELS = ['student', 'intern', 'supervised', 'autonomous'] as const;
export type MaturityLevel = (typeof MATURITY_LEVELS)[number];

export const AGENT_STATUSES = ['active', 'paused', 'archived'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
