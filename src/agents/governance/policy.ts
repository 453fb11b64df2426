import { MATURITY_LEVELS, type MaturityLevel } from '../maturity';
import { COMPLEXITIES, isComplexity, type Complexity } from './complexity';

export type GovernanceDecision = 'allow' | 'require_approval' | 'block';

export interface GovernanceVerdict {
  decision: GovernanceDecision;
  /** Allowed but to be flagged for review in the episode (complexity 3 at supervised). */
  flagged: boolean;
  /** The lowest maturity level at which an action of this complexity runs without approval. */
  requiredLevel: MaturityLevel;
}

/** What an action of each complexity gets at each level: issue 3's table, the only copy of it. */
export const GOVERNANCE_TABLE: Readonly<Record<MaturityLevel, Readonly<Record<Complexity, GovernanceDecision>>>> = {
  student: { 1: 'allow', 2: 'block', 3: 'block', 4: 'block' },
  intern: { 1: 'allow', 2: 'allow', 3: 'require_approval', 4: 'block' },
  supervised: { 1: 'allow', 2: 'allow', 3: 'allow', 4: 'require_approval' },
  autonomous: { 1: 'allow', 2: 'allow', 3: 'allow', 4: 'allow' },
};

/** Allowed, but the episode marks it for a human to look at afterwards. */
const FLAGGED: Readonly<Partial<Record<MaturityLevel, readonly Complexity[]>>> = { supervised: [3] };

// Derived from the table rather than written out, so the two can never disagree.
const REQUIRED_LEVEL: Readonly<Record<Complexity, MaturityLevel>> = Object.fromEntries(
  COMPLEXITIES.map((complexity) => {
    const level = MATURITY_LEVELS.find((candidate) => GOVERNANCE_TABLE[candidate][complexity] === 'allow');
    if (!level) throw new Error(`Governance table: no level runs complexity ${complexity}`);
    return [complexity, level];
  }),
) as Record<Complexity, MaturityLevel>;

function assertInputs(level: MaturityLevel, complexity: Complexity): void {
  // Fail loudly on a value from outside the type (a bad row, an unchecked cast): guessing either way is wrong.
  if (!(MATURITY_LEVELS as readonly string[]).includes(level)) throw new RangeError(`Unknown maturity level: ${String(level)}`);
  if (!isComplexity(complexity)) throw new RangeError(`Complexity must be 1, 2, 3 or 4, got ${String(complexity)}`);
}

/** The lowest level at which an action of this complexity runs without approval. */
export function requiredLevelFor(complexity: Complexity): MaturityLevel {
  if (!isComplexity(complexity)) throw new RangeError(`Complexity must be 1, 2, 3 or 4, got ${String(complexity)}`);
  return REQUIRED_LEVEL[complexity];
}

export function decide(level: MaturityLevel, complexity: Complexity): GovernanceVerdict {
  assertInputs(level, complexity);
  return {
    decision: GOVERNANCE_TABLE[level][complexity],
    flagged: FLAGGED[level]?.includes(complexity) ?? false,
    requiredLevel: REQUIRED_LEVEL[complexity],
  };
}

// A type alias, not an interface: it must fit AppError's `details: Record<string, unknown>`.
export type GovernanceViolationDetails = {
  action: string;
  complexity: Complexity;
  agent_level: MaturityLevel;
  required_level: MaturityLevel;
};

/** `details` of a 403 GOVERNANCE_VIOLATION (design.md section 5). */
export function governanceViolationDetails(action: string, complexity: Complexity, level: MaturityLevel): GovernanceViolationDetails {
  assertInputs(level, complexity);
  return { action, complexity, agent_level: level, required_level: REQUIRED_LEVEL[complexity] };
}
