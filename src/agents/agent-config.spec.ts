import { agentConfigProblem, DEFAULT_MAX_STEPS, MAX_MAX_STEPS, maxStepsOf } from './agent-config';

describe('agent config', () => {
  it('accepts any keys, and max_steps only as an integer from 1 to the maximum', () => {
    expect(agentConfigProblem({})).toBeNull();
    expect(agentConfigProblem({ temperature: 'warm', nested: { max_steps: 'x' } })).toBeNull();
    expect(agentConfigProblem({ max_steps: 1 })).toBeNull();
    expect(agentConfigProblem({ max_steps: MAX_MAX_STEPS })).toBeNull();
    for (const bad of ['lots', '8', 0, -1, MAX_MAX_STEPS + 1, 2.5, null, true, [8]]) {
      expect(agentConfigProblem({ max_steps: bad })).toBe(`config.max_steps must be an integer from 1 to ${MAX_MAX_STEPS}`);
    }
  });

  it('reads a stored value leniently: the default when unusable, else within the bounds', () => {
    expect(maxStepsOf(undefined)).toBe(DEFAULT_MAX_STEPS);
    expect(maxStepsOf({ max_steps: 'lots' })).toBe(DEFAULT_MAX_STEPS);
    expect(maxStepsOf({ max_steps: 3 })).toBe(3);
    expect(maxStepsOf({ max_steps: 0 })).toBe(1);
    expect(maxStepsOf({ max_steps: 500 })).toBe(MAX_MAX_STEPS);
  });
});
