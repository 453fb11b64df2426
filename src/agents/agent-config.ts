/** `config.max_steps`: model calls per execution or chat turn. */
export const DEFAULT_MAX_STEPS = 6;
export const MAX_MAX_STEPS = 20;

/**
 * What is wrong with an agent's `config`, or null. The object is free-form, but the keys the platform
 * reads are checked when it is written: a `max_steps` of "lots" used to be stored and silently ignored.
 */
export function agentConfigProblem(config: Record<string, unknown>): string | null {
  if (!('max_steps' in config)) return null;
  const maxSteps = config.max_steps;
  if (typeof maxSteps !== 'number' || !Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > MAX_MAX_STEPS) {
    return `config.max_steps must be an integer from 1 to ${MAX_MAX_STEPS}`;
  }
  return null;
}

/** The agent's step limit; a value stored before it was checked falls back to the default or the bounds. */
export function maxStepsOf(config: Record<string, unknown> | null | undefined): number {
  const configured = config?.max_steps;
  if (typeof configured !== 'number' || !Number.isInteger(configured)) return DEFAULT_MAX_STEPS;
  return Math.min(Math.max(configured, 1), MAX_MAX_STEPS);
}
