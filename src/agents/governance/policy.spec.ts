import { MATURITY_LEVELS, type MaturityLevel } from '../maturity';
import type { Complexity } from './complexity';
import { decide, GOVERNANCE_TABLE, governanceViolationDetails, requiredLevelFor } from './policy';

describe('decide', () => {
  // Issue 3's table, cell by cell: [level, complexity, decision, flagged, requiredLevel].
  const cells: Array<[MaturityLevel, Complexity, string, boolean, MaturityLevel]> = [
    ['student', 1, 'allow', false, 'student'],
    ['student', 2, 'block', false, 'intern'],
    ['student', 3, 'block', false, 'supervised'],
    ['student', 4, 'block', false, 'autonomous'],
    ['intern', 1, 'allow', false, 'student'],
    ['intern', 2, 'allow', false, 'intern'],
    ['intern', 3, 'require_approval', false, 'supervised'],
    ['intern', 4, 'block', false, 'autonomous'],
    ['supervised', 1, 'allow', false, 'student'],
    ['supervised', 2, 'allow', false, 'intern'],
    ['supervised', 3, 'allow', true, 'supervised'],
    ['supervised', 4, 'require_approval', false, 'autonomous'],
    ['autonomous', 1, 'allow', false, 'student'],
    ['autonomous', 2, 'allow', false, 'intern'],
    ['autonomous', 3, 'allow', false, 'supervised'],
    ['autonomous', 4, 'allow', false, 'autonomous'],
  ];

  it.each(cells)('%s, complexity %i -> %s (flagged %p, required %s)', (level, complexity, decision, flagged, requiredLevel) => {
    expect(decide(level, complexity)).toEqual({ decision, flagged, requiredLevel });
  });

  it('covers all 16 cells', () => {
    expect(new Set(cells.map(([level, complexity]) => `${level}/${complexity}`)).size).toBe(16);
    expect(MATURITY_LEVELS).toHaveLength(4);
  });

  it('never loosens as the level rises', () => {
    const rank = { block: 0, require_approval: 1, allow: 2 } as const;
    for (const complexity of [1, 2, 3, 4] as const) {
      const ranks = MATURITY_LEVELS.map((level) => rank[GOVERNANCE_TABLE[level][complexity]]);
      expect([...ranks].sort()).toEqual(ranks);
    }
  });

  it('requires approval only one level below the one that runs the action freely', () => {
    for (const level of MATURITY_LEVELS) {
      for (const complexity of [1, 2, 3, 4] as const) {
        const verdict = decide(level, complexity);
        if (verdict.decision === 'require_approval') {
          expect(MATURITY_LEVELS.indexOf(verdict.requiredLevel)).toBe(MATURITY_LEVELS.indexOf(level) + 1);
        }
      }
    }
  });

  it.each([0, 5, 2.5, NaN, '3'])('refuses a complexity outside 1-4 (%p)', (complexity) => {
    expect(() => decide('autonomous', complexity as unknown as Complexity)).toThrow(RangeError);
  });

  it.each(['admin', '', 'Student', undefined])('refuses an unknown level (%p)', (level) => {
    expect(() => decide(level as unknown as MaturityLevel, 1)).toThrow(RangeError);
  });
});

describe('requiredLevelFor', () => {
  it('is the lowest level that runs the complexity without approval', () => {
    expect([1, 2, 3, 4].map((complexity) => requiredLevelFor(complexity as Complexity))).toEqual(['student', 'intern', 'supervised', 'autonomous']);
  });

  it('refuses a bad complexity', () => {
    expect(() => requiredLevelFor(7 as Complexity)).toThrow(RangeError);
  });
});

describe('governanceViolationDetails', () => {
  it('has the 403 details shape of design.md section 5', () => {
    expect(governanceViolationDetails('delete_invoice', 4, 'intern')).toEqual({
      action: 'delete_invoice',
      complexity: 4,
      agent_level: 'intern',
      required_level: 'autonomous',
    });
    expect(governanceViolationDetails('draft', 2, 'student')).toEqual({ action: 'draft', complexity: 2, agent_level: 'student', required_level: 'intern' });
  });

  it('refuses bad inputs like decide does', () => {
    expect(() => governanceViolationDetails('x', 0 as Complexity, 'student')).toThrow(RangeError);
    expect(() => governanceViolationDetails('x', 1, 'boss' as MaturityLevel)).toThrow(RangeError);
  });
});
