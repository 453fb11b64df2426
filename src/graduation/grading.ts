import { RE2JS } from 're2js';

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

/**
 * Patterns are compiled with RE2JS (a JavaScript port of RE2): matching takes time linear in the
 * input, whatever the pattern, so a pattern such as `(a+)+$` cannot make a grading run for ever
 * (no timeout needed, nothing to interrupt). The price is RE2's syntax: no backreferences and no
 * lookaround; such a pattern is refused at creation as invalid. Flags go inline: `(?i)refund`.
 */
export function compilePattern(pattern: string): RE2JS {
  return RE2JS.compile(pattern);
}

/** Why a pattern is refused, or null when it compiles. */
export function patternError(pattern: string): string | null {
  if (pattern.length > MAX_EXPECTED_LENGTH) return `the pattern is longer than ${MAX_EXPECTED_LENGTH} characters`;
  try {
    compilePattern(pattern);
    return null;
  } catch (error) {
    return `invalid regular expression (RE2 syntax): ${(error as Error).message}`;
  }
}

function normalise(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/**
 * Grades an agent's answer against an edge case's expectation:
 * - `contains` / `not_contains`: the value is (not) found in the answer, ignoring case;
 * - `equals`: the answer is the value exactly, apart from surrounding whitespace (case counts);
 * - `regex`: the pattern matches somewhere in the answer (anchor it with ^…$ for a whole match).
 * No answer at all (the run failed or was cut short) never passes, whatever the type.
 */
export function grade(expected: Expected, output: string | null): Grade {
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
      let pattern: RE2JS;
      try {
        pattern = compilePattern(expected.value);
      } catch {
        return { passed: false, reason: 'the expected pattern is not a valid regular expression' };
      }
      const passed = pattern.matcher(answer).find();
      return { passed, reason: passed ? `the answer matches /${expected.value}/` : `the answer does not match /${expected.value}/` };
    }
    default:
      return { passed: false, reason: `unknown expectation type '${String((expected as Expected).type)}'` };
  }
}
