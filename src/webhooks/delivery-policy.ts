/** What one attempt ended with: an HTTP answer, or no answer at all (refused destination, network, timeout). */
export type AttemptResult =
  | { kind: 'response'; status: number; retryAfter?: string | null; bodySnippet?: string }
  | { kind: 'error'; message: string };

export type DeliveryDecision =
  | { outcome: 'delivered' }
  | { outcome: 'retry'; delaySeconds: number; error: string }
  | { outcome: 'failed'; error: string; disableSubscription?: string };

/** The longest a receiver's Retry-After may push a delivery back. */
export const MAX_RETRY_AFTER_SECONDS = 6 * 3600;

export interface DecisionInput {
  result: AttemptResult;
  /** Attempts made since the delivery was (re)scheduled, this one included: 1 for the first. */
  attempt: number;
  scheduleSeconds: number[];
  now?: Date;
  /** 0..1, injectable for tests. */
  random?: () => number;
}

/**
 * 2xx is delivered; anything else (3xx included: redirects are not followed) fails the attempt. 410 Gone
 * ends the delivery and disables the subscription. 429 waits for Retry-After when the receiver gives
 * one. Otherwise the next retry waits for the schedule's entry for this attempt, with jitter, and after
 * the last entry the delivery is failed.
 */
export function decideAfterAttempt(input: DecisionInput): DeliveryDecision {
  const { result, attempt, scheduleSeconds } = input;
  if (result.kind === 'response' && result.status >= 200 && result.status < 300) return { outcome: 'delivered' };
  const error = describe(result);
  if (result.kind === 'response' && result.status === 410) {
    return { outcome: 'failed', error, disableSubscription: 'the receiver answered 410 Gone' };
  }
  if (attempt > scheduleSeconds.length) return { outcome: 'failed', error };
  let delaySeconds = withJitter(scheduleSeconds[attempt - 1], input.random ?? Math.random);
  if (result.kind === 'response' && result.status === 429) {
    const asked = retryAfterSeconds(result.retryAfter, input.now ?? new Date());
    if (asked !== null) delaySeconds = Math.min(asked, MAX_RETRY_AFTER_SECONDS);
  }
  return { outcome: 'retry', delaySeconds, error };
}

/** +-20% so that the retries of many deliveries failing together do not all arrive together. */
export function withJitter(seconds: number, random: () => number): number {
  return Math.max(0, seconds * (0.8 + 0.4 * random()));
}

/** `Retry-After` as delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterSeconds(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

function describe(result: AttemptResult): string {
  if (result.kind === 'error') return result.message;
  const snippet = result.bodySnippet?.trim();
  return `HTTP ${result.status}${snippet ? `: ${snippet.slice(0, 200)}` : ''}`;
}
