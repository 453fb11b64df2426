import type { PatternMatcher } from './pattern-sandbox';

export const EXPECTED_TYPES = ['contains', 'not_contains', 'regex', 'equals'] as const;
export type ExpectedType = (typeof EXPECTED_TYPES)[number];

export interface Expected {
  type: ExpectedType;
  value: string;
}

/** Longest `expected.value` (a regex pattern included). */
export const MAX_EXPECTED_LENGTH = 1000;
/** Only this much of an answer is graded: bounds the work of one match whatever the model wrote. */
export const MAX_GRADED_OUTPUT = 100_000;

export interface Grade {
  passed: boolean;
  reason: string;
}

function normalise(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/**
 * Grades an agent's answer against an edge case's expectation:
 * - `contains` / `not_contains`: the value is (not) found in the answer, ignoring case;
 * - `equals`: the answer is the value exactly, apart from surrounding whitespace (case counts);
 * - `regex`: the pattern matches somewhere in the answer (anchor it with ^…$ for a whole match).
 *   RE2 syntax (RE2JS): matching time is linear in the input, so `(a+)+$` cannot run for ever; no
 *   backreferences or lookaround (refused at creation as invalid); flags inline (`(?i)refund`). The
 *   pattern is compiled and run by the PatternSandbox (off the main thread, with a deadline), never here.
 * No answer at all (the run failed or was cut short) never passes, whatever the type.
 */
export async function grade(expected: Expected, output: string | null, patterns: PatternMatcher): Promise<Grade> {
  if (output === null) return { passed: false, reason: 'the agent gave no answer' };
  const answer = output.length > MAX_GRADED_OUTPUT ? output.slice(0, MAX_GRADED_OUTPUT) : output;
  switch (expected.type) {
    case 'contains': {
      const passed = normalise(answer).includes(normalise(expected.value));
      return { passed, reason: passed ? `the answer contains "${expected.value}"` : `the answer does not contain "${expected.value}"` };
    }
    case 'not_contains': {
      const found = normalise(answer).includes(normalise(expected.value));
      return { passed: !found, reason: found ? `the answer contains "${expected.value}", which it must not` : `the answer does not contain "${expected.value}"` };
    }
    case 'equals': {
      const passed = answer.trim() === expected.value.trim();
      return { passed, reason: passed ? 'the answer equals the expected value' : 'the answer differs from the expected value' };
    }
    case 'regex': {
      const outcome = await patterns.match(expected.value, answer);
      if ('failed' in outcome) return { passed: false, reason: outcome.failed };
      const passed = outcome.matched;
      return { passed, reason: passed ? `the answer matches /${expected.value}/` : `the answer does not match /${expected.value}/` };
    }
    default:
      return { passed: false, reason: `unknown expectation type '${String((expected as Expected).type)}'` };
  }
}
