import { aggregateScore, feedbackScore, interventionDelta } from './feedback.service';

describe('feedbackScore', () => {
  it.each([
    [1, -1],
    [2, -0.5],
    [3, 0],
    [4, 0.5],
    [5, 1],
  ])('rating %i scores %d', (rating, score) => {
    expect(feedbackScore({ rating })).toBe(score);
  });

  it('thumbs score +1 / -1 when there is no rating', () => {
    expect(feedbackScore({ thumbs: 'up' })).toBe(1);
    expect(feedbackScore({ thumbs: 'down' })).toBe(-1);
  });

  it('a rating wins over thumbs', () => {
    expect(feedbackScore({ rating: 2, thumbs: 'up' })).toBe(-0.5);
  });

  it('a correction-only feedback has no score', () => {
    expect(feedbackScore({})).toBeNull();
    expect(feedbackScore({ rating: null, thumbs: null })).toBeNull();
  });
});

describe('aggregateScore', () => {
  it('is the mean of the scores that are not null', () => {
    expect(aggregateScore([1, 0, null, -0.5])).toBeCloseTo(1 / 6);
    expect(aggregateScore([0.5])).toBe(0.5);
  });

  it('is null without any score', () => {
    expect(aggregateScore([])).toBeNull();
    expect(aggregateScore([null, null])).toBeNull();
  });
});

describe('interventionDelta', () => {
  it('counts a first feedback with a correction once', () => {
    expect(interventionDelta(null, { correction: 'better answer' })).toBe(1);
    expect(interventionDelta(null, { correction: null })).toBe(0);
  });

  it('does not count a replaced correction twice', () => {
    expect(interventionDelta({ correction: 'first' }, { correction: 'second' })).toBe(0);
  });

  it('counts a correction added on replace, and takes back a withdrawn one', () => {
    expect(interventionDelta({ correction: null }, { correction: 'now corrected' })).toBe(1);
    expect(interventionDelta({ correction: 'was corrected' }, { correction: null })).toBe(-1);
  });
});
