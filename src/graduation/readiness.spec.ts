import { loadConfig } from '../config/config';
import {
  assessReadiness, componentValues, gapsFor, interventionRate, LEVEL_REQUIREMENTS, NEUTRAL_FEEDBACK, nextLevel, previousLevel,
  READINESS_WEIGHTS, READINESS_WINDOW, readinessScore, type WindowStats,
} from './readiness';

/** A window of n episodes, all perfect unless told otherwise. */
function window(n: number, over: Partial<WindowStats> = {}): WindowStats {
  return { total_episodes: n, episodes: Math.min(n, READINESS_WINDOW), zero_intervention: Math.min(n, READINESS_WINDOW), successes: Math.min(n, READINESS_WINDOW), mean_compliance: n ? 1 : null, mean_feedback: null, rated: 0, ...over };
}

describe('readiness constants', () => {
  it('weights add up to 1 and follow the issue', () => {
    expect(READINESS_WEIGHTS).toEqual({ zero_intervention_ratio: 0.3, compliance: 0.25, success_rate: 0.2, feedback: 0.15, edge_case_pass_rate: 0.1 });
    expect(Object.values(READINESS_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(READINESS_WINDOW).toBe(30);
  });

  it('requirements per level follow the issue', () => {
    expect(LEVEL_REQUIREMENTS).toEqual({
      intern: { min_episodes: 10, min_score: 0.7, max_intervention_rate: null, exam_pass_rate: 0.8 },
      supervised: { min_episodes: 25, min_score: 0.8, max_intervention_rate: 0.2, exam_pass_rate: 0.9 },
      autonomous: { min_episodes: 50, min_score: 0.95, max_intervention_rate: 0, exam_pass_rate: 1 },
    });
  });

  it('walks the ladder', () => {
    expect([nextLevel('student'), nextLevel('intern'), nextLevel('supervised'), nextLevel('autonomous')]).toEqual(['intern', 'supervised', 'autonomous', null]);
    expect([previousLevel('student'), previousLevel('intern'), previousLevel('autonomous')]).toEqual([null, 'student', 'supervised']);
  });
});

describe('readiness score', () => {
  it('is exactly 1 for a perfect window, perfect feedback and a perfect exam (no floating-point shortfall)', () => {
    expect(readinessScore(componentValues(window(30, { mean_feedback: 1, rated: 30 }), 1))).toBe(1);
  });

  it('is 0.825 for a perfect window with neutral feedback (0.5) before any exam', () => {
    expect(readinessScore(componentValues(window(30), null))).toBe(0.825);
    expect(componentValues(window(30), null).feedback).toBe(NEUTRAL_FEEDBACK);
    expect(componentValues(window(30), null).edge_case_pass_rate).toBe(0);
  });

  it('an empty window has no evidence: only the neutral feedback and the exam count', () => {
    expect(componentValues(window(0), null)).toEqual({ zero_intervention_ratio: 0, compliance: 0, success_rate: 0, feedback: 0.5, edge_case_pass_rate: 0 });
    expect(readinessScore(componentValues(window(0), null))).toBe(0.075);
    expect(readinessScore(componentValues(window(0), 1))).toBe(0.175);
  });

  it('weights each component', () => {
    const values = componentValues({ total_episodes: 10, episodes: 10, zero_intervention: 5, successes: 8, mean_compliance: 0.9, mean_feedback: 0.25, rated: 4 }, 0.5);
    expect(values).toEqual({ zero_intervention_ratio: 0.5, compliance: 0.9, success_rate: 0.8, feedback: 0.25, edge_case_pass_rate: 0.5 });
    // 0.15 + 0.225 + 0.16 + 0.0375 + 0.05
    expect(readinessScore(values)).toBe(0.6225);
  });

  it('feedback -1 everywhere maps to 0, +1 to 1', () => {
    expect(componentValues(window(5, { mean_feedback: 0, rated: 5 }), null).feedback).toBe(0);
    expect(componentValues(window(5, { mean_feedback: 1, rated: 5 }), null).feedback).toBe(1);
  });

  it('intervention rate is the share of episodes with an intervention', () => {
    expect(interventionRate(window(10, { zero_intervention: 8 }))).toBe(0.2);
    expect(interventionRate(window(0))).toBe(0);
  });
});

describe('assessReadiness and gaps', () => {
  it('a student with too few episodes: gap on episodes with current and required values', () => {
    const r = assessReadiness('student', window(3), null);
    expect(r).toMatchObject({ current_level: 'student', next_level: 'intern', ready: false, episodes_considered: 3 });
    expect(r.gaps).toEqual([expect.objectContaining({ requirement: 'min_episodes', current: 3, required: 10 })]);
    expect(r.requirements).toEqual(LEVEL_REQUIREMENTS.intern);
    expect(r.recommendation).toMatch(/Not ready for intern/);
  });

  it('exactly at the thresholds is ready (>= and <=), one below is not', () => {
    expect(gapsFor(LEVEL_REQUIREMENTS.intern, 10, 0.7, 1)).toEqual([]);
    expect(gapsFor(LEVEL_REQUIREMENTS.intern, 9, 0.7, 0).map((g) => g.requirement)).toEqual(['min_episodes']);
    expect(gapsFor(LEVEL_REQUIREMENTS.intern, 10, 0.699999, 0).map((g) => g.requirement)).toEqual(['min_score']);
    expect(gapsFor(LEVEL_REQUIREMENTS.supervised, 25, 0.8, 0.2)).toEqual([]);
    expect(gapsFor(LEVEL_REQUIREMENTS.supervised, 25, 0.8, 0.2001).map((g) => g.requirement)).toEqual(['max_intervention_rate']);
    expect(gapsFor(LEVEL_REQUIREMENTS.autonomous, 50, 0.95, 0)).toEqual([]);
    expect(gapsFor(LEVEL_REQUIREMENTS.autonomous, 49, 0.9499, 0.01).map((g) => g.requirement)).toEqual(['min_episodes', 'min_score', 'max_intervention_rate']);
  });

  it('a student with 10 perfect episodes and no exam is ready for intern (0.825 >= 0.70)', () => {
    const r = assessReadiness('student', window(10), null);
    expect(r).toMatchObject({ ready: true, score: 0.825, gaps: [] });
    expect(r.components.zero_intervention_ratio).toEqual({ value: 1, weight: 0.3, contribution: 0.3 });
    expect(r.recommendation).toMatch(/Ready for intern/);
  });

  it('autonomous needs more than the window: 50 episodes in all, the score from the last 30, and a good exam', () => {
    const noExam = assessReadiness('supervised', window(50), null);
    expect(noExam).toMatchObject({ episodes: 50, episodes_considered: 30, ready: false });
    expect(noExam.gaps.map((g) => g.requirement)).toEqual(['min_score']);
    const tooFew = assessReadiness('supervised', window(49, { mean_feedback: 1, rated: 30 }), 1);
    expect(tooFew.score).toBe(1);
    expect(tooFew.gaps).toEqual([expect.objectContaining({ requirement: 'min_episodes', current: 49, required: 50 })]);
    expect(assessReadiness('supervised', window(50, { mean_feedback: 1, rated: 30 }), 1).ready).toBe(true);
    // One intervention in the window is one too many for autonomous.
    const touched = assessReadiness('supervised', window(50, { mean_feedback: 1, rated: 30, zero_intervention: 29 }), 1);
    expect(touched.gaps.map((g) => g.requirement)).toEqual(['max_intervention_rate']);
  });

  it('an autonomous agent has no next level and is never ready', () => {
    const r = assessReadiness('autonomous', window(30), 1);
    expect(r).toMatchObject({ next_level: null, ready: false, requirements: null, gaps: [] });
  });
});

describe('GRADUATION_EXAM_COOLDOWN', () => {
  it('defaults to 6 hours, reads seconds, refuses nonsense', () => {
    expect(loadConfig({ DATA_DIR: ':memory:' }).graduationExamCooldownSeconds).toBe(21600);
    expect(loadConfig({ DATA_DIR: ':memory:', GRADUATION_EXAM_COOLDOWN: '60' }).graduationExamCooldownSeconds).toBe(60);
    expect(() => loadConfig({ DATA_DIR: ':memory:', GRADUATION_EXAM_COOLDOWN: '6h' })).toThrow(/GRADUATION_EXAM_COOLDOWN/);
    expect(() => loadConfig({ DATA_DIR: ':memory:', GRADUATION_EXAM_COOLDOWN: '99999999' })).toThrow(/GRADUATION_EXAM_COOLDOWN/);
  });
});
