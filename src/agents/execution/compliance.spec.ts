import { complianceScore } from './compliance';

describe('complianceScore', () => {
  it('is 1 without violations', () => expect(complianceScore([])).toBe(1));
  it('subtracts each violation’s weight', () => {
    expect(complianceScore([1])).toBe(0.9);
    expect(complianceScore([2])).toBe(0.6);
    expect(complianceScore([3])).toBe(0.3);
    expect(complianceScore([2, 1])).toBe(0.5);
  });
  it('floors at 0', () => {
    expect(complianceScore([4])).toBe(0);
    expect(complianceScore([3, 3])).toBe(0);
  });
});
