import { MATURITY_LEVELS, type MaturityLevel } from '../agents/maturity';

/**
 * Readiness: every weight and threshold of graduation lives here, and nowhere else (issue 4,
 * design.md section 5). The functions are pure so that their edges are unit-tested.
 */

/** How many of the agent's latest finished episodes the score reads. */
export const READINESS_WINDOW = 30;

/**
 * The episode-count requirement (up to 50) looks past the window: the agent's finished episodes are
 * counted, but only up to this many, so that readiness costs the same for an agent with 100,000.
 */
export const EPISODE_COUNT_CAP = 1_000;

/** The score's components and their weights (they add up to 1). */
export const READINESS_WEIGHTS = {
  zero_intervention_ratio: 0.3,
  compliance: 0.25,
  success_rate: 0.2,
  feedback: 0.15,
  edge_case_pass_rate: 0.1,
} as const;
export type ReadinessComponent = keyof typeof READINESS_WEIGHTS;

/** The feedback component when no episode of the window has a feedback score. */
export const NEUTRAL_FEEDBACK = 0.5;

export interface LevelRequirements {
  min_episodes: number;
  min_score: number;
  /** Share of the window's episodes that needed a person (null: no limit). */
  max_intervention_rate: number | null;
  /** What the exam's cases must reach, on top of readiness, to be promoted to this level. */
  exam_pass_rate: number;
}

/** What an agent needs to reach each level (student is where agents start). */
export const LEVEL_REQUIREMENTS: Readonly<Record<Exclude<MaturityLevel, 'student'>, Readonly<LevelRequirements>>> = {
  intern: { min_episodes: 10, min_score: 0.7, max_intervention_rate: null, exam_pass_rate: 0.8 },
  supervised: { min_episodes: 25, min_score: 0.8, max_intervention_rate: 0.2, exam_pass_rate: 0.9 },
  autonomous: { min_episodes: 50, min_score: 0.95, max_intervention_rate: 0, exam_pass_rate: 1.0 },
};

/**
 * Scores are compared after rounding to this many decimals: 0.3 + 0.25 + ... in floating point is
 * not exactly 1, and a threshold must not be missed by 1e-16.
 */
const SCORE_DECIMALS = 6;

/** The aggregates of the window, as MemoryService.readinessWindow reads them. */
export interface WindowStats {
  /** The agent's finished episodes in all (counted up to EPISODE_COUNT_CAP): what min_episodes reads. */
  total_episodes: number;
  /** Episodes in the window (at most READINESS_WINDOW). */
  episodes: number;
  zero_intervention: number;
  successes: number;
  /** Mean compliance score of the window's episodes (null when there are none). */
  mean_compliance: number | null;
  /** Mean of (aggregate_feedback_score + 1) / 2 over the episodes that have one (null when none has). */
  mean_feedback: number | null;
  rated: number;
}

export interface ComponentValue {
  value: number;
  weight: number;
  contribution: number;
}

export interface ReadinessGap {
  requirement: 'min_episodes' | 'min_score' | 'max_intervention_rate';
  current: number;
  required: number;
  message: string;
}

export interface Readiness {
  current_level: MaturityLevel;
  next_level: MaturityLevel | null;
  score: number;
  ready: boolean;
  components: Record<ReadinessComponent, ComponentValue>;
  requirements: LevelRequirements | null;
  gaps: ReadinessGap[];
  recommendation: string;
  /** Finished episodes in all (counted up to EPISODE_COUNT_CAP). */
  episodes: number;
  episodes_considered: number;
  intervention_rate: number;
  rated_episodes: number;
}

export function nextLevel(level: MaturityLevel): MaturityLevel | null {
  const index = MATURITY_LEVELS.indexOf(level);
  return index >= 0 && index < MATURITY_LEVELS.length - 1 ? MATURITY_LEVELS[index + 1] : null;
}

export function previousLevel(level: MaturityLevel): MaturityLevel | null {
  const index = MATURITY_LEVELS.indexOf(level);
  return index > 0 ? MATURITY_LEVELS[index - 1] : null;
}

export function rank(level: MaturityLevel): number {
  return MATURITY_LEVELS.indexOf(level);
}

function round(value: number): number {
  const factor = 10 ** SCORE_DECIMALS;
  return Math.round(value * factor) / factor;
}

/**
 * The component values in 0..1. With no episode in the window the three episode components are 0
 * (no evidence is not good evidence); feedback is neutral (0.5) when nothing was rated; the edge-case
 * component is the last exam's pass rate, 0 before any exam.
 */
export function componentValues(window: WindowStats, examPassRate: number | null): Record<ReadinessComponent, number> {
  const n = window.episodes;
  return {
    zero_intervention_ratio: n > 0 ? window.zero_intervention / n : 0,
    compliance: n > 0 ? clamp01(window.mean_compliance ?? 0) : 0,
    success_rate: n > 0 ? window.successes / n : 0,
    feedback: window.rated > 0 && window.mean_feedback !== null ? clamp01(window.mean_feedback) : NEUTRAL_FEEDBACK,
    edge_case_pass_rate: examPassRate === null ? 0 : clamp01(examPassRate),
  };
}

export function readinessScore(values: Record<ReadinessComponent, number>): number {
  let score = 0;
  for (const key of Object.keys(READINESS_WEIGHTS) as ReadinessComponent[]) score += READINESS_WEIGHTS[key] * values[key];
  return round(score);
}

/** Share of the window's episodes in which a person intervened (0 when the window is empty). */
export function interventionRate(window: WindowStats): number {
  return window.episodes > 0 ? round((window.episodes - window.zero_intervention) / window.episodes) : 0;
}

/**
 * Readiness of an agent at `level` for the next one, from its window and its last exam's pass rate
 * (or, during an exam, that exam's pass rate). An autonomous agent has nowhere to go: never ready.
 */
export function assessReadiness(level: MaturityLevel, window: WindowStats, examPassRate: number | null): Readiness {
  const values = componentValues(window, examPassRate);
  const score = readinessScore(values);
  const components = Object.fromEntries(
    (Object.keys(READINESS_WEIGHTS) as ReadinessComponent[]).map((key) => [
      key,
      { value: round(values[key]), weight: READINESS_WEIGHTS[key], contribution: round(READINESS_WEIGHTS[key] * values[key]) },
    ]),
  ) as Record<ReadinessComponent, ComponentValue>;
  const rate = interventionRate(window);
  const next = nextLevel(level);
  const base = { current_level: level, next_level: next, score, components, episodes: window.total_episodes, episodes_considered: window.episodes, intervention_rate: rate, rated_episodes: window.rated };
  if (next === null) {
    return { ...base, ready: false, requirements: null, gaps: [], recommendation: 'The agent is autonomous: there is no higher level to graduate to.' };
  }
  const requirements = LEVEL_REQUIREMENTS[next as Exclude<MaturityLevel, 'student'>];
  const gaps = gapsFor(requirements, window.total_episodes, score, rate);
  const ready = gaps.length === 0;
  return { ...base, ready, requirements: { ...requirements }, gaps, recommendation: recommend(next, requirements, gaps) };
}

export function gapsFor(requirements: LevelRequirements, episodes: number, score: number, rate: number): ReadinessGap[] {
  const gaps: ReadinessGap[] = [];
  if (episodes < requirements.min_episodes) {
    gaps.push({
      requirement: 'min_episodes',
      current: episodes,
      required: requirements.min_episodes,
      message: `${requirements.min_episodes - episodes} more finished episode(s) needed (${episodes} of ${requirements.min_episodes})`,
    });
  }
  if (score < requirements.min_score) {
    gaps.push({ requirement: 'min_score', current: score, required: requirements.min_score, message: `score ${score} is below ${requirements.min_score}` });
  }
  if (requirements.max_intervention_rate !== null && rate > requirements.max_intervention_rate) {
    gaps.push({
      requirement: 'max_intervention_rate',
      current: rate,
      required: requirements.max_intervention_rate,
      message: `intervention rate ${rate} is above ${requirements.max_intervention_rate}`,
    });
  }
  return gaps;
}

function recommend(next: MaturityLevel, requirements: LevelRequirements, gaps: ReadinessGap[]): string {
  if (gaps.length === 0) {
    return `Ready for ${next}: sit the exam (POST .../exam); it needs a pass rate of at least ${requirements.exam_pass_rate} on the active edge cases.`;
  }
  const advice: Record<ReadinessGap['requirement'], string> = {
    min_episodes: 'run more tasks',
    min_score: 'raise the score (fewer interventions and violations, more successes, better feedback, a better exam)',
    max_intervention_rate: 'complete tasks without approvals or corrections',
  };
  return `Not ready for ${next}: ${gaps.map((gap) => advice[gap.requirement]).join('; ')}.`;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
