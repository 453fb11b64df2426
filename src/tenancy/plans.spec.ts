import { limitsFor } from './plans';

describe('limitsFor', () => {
  it.each([
    ['free', { requestsPerDay: 50, requestsPerMinute: 60, maxAgents: 3 }],
    ['solo', { requestsPerDay: 500, requestsPerMinute: 100, maxAgents: 10 }],
    ['team', { requestsPerDay: 5000, requestsPerMinute: 500, maxAgents: 50 }],
    ['enterprise', { requestsPerDay: null, requestsPerMinute: 1000, maxAgents: null }],
  ] as const)('gives the %s plan its limits when the tenant has no overrides', (plan, limits) => {
    expect(limitsFor({ plan, maxAgents: null, requestsPerMinute: null })).toEqual(limits);
  });

  it('applies per-tenant overrides of agents and requests per minute, keeping the daily quota', () => {
    expect(limitsFor({ plan: 'free', maxAgents: 7, requestsPerMinute: 5 })).toEqual({
      requestsPerDay: 50, requestsPerMinute: 5, maxAgents: 7,
    });
  });

  it('gives an enterprise tenant a finite agent cap when overridden', () => {
    expect(limitsFor({ plan: 'enterprise', maxAgents: 200, requestsPerMinute: null }).maxAgents).toBe(200);
  });

  it('treats an override of 0 as a limit, not as absent', () => {
    expect(limitsFor({ plan: 'team', maxAgents: 0, requestsPerMinute: 0 })).toMatchObject({ maxAgents: 0, requestsPerMinute: 0 });
  });
});
