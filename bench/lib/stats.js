'use strict';

const { round } = require('./report');

/** The p-th percentile (nearest rank) of `values`, or null when there are none. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** n, p50, p90, p99 and max of `values`, rounded to 0.01. */
function summary(values) {
  return { n: values.length, p50: round(percentile(values, 50), 2), p90: round(percentile(values, 90), 2), p99: round(percentile(values, 99), 2), max: round(Math.max(...values), 2) };
}

/** The mean of `values`, rounded to 0.01. */
function mean(values) {
  return round(values.reduce((a, b) => a + b, 0) / values.length, 2);
}

module.exports = { percentile, summary, mean };
