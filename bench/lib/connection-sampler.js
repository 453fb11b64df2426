'use strict';

const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('pg');

const SAMPLE_SQL = `SELECT coalesce(application_name, '') AS app, count(*)::int AS n
                      FROM pg_stat_activity WHERE datname = $1 GROUP BY 1`;

function median(values) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Counts the server connections to the bench database (pg_stat_activity) every `intervalMs` while
 * something runs. It connects to the admin database, so it never counts itself.
 */
class ConnectionSampler {
  constructor(adminUrl, database, intervalMs = 250) {
    this.client = new Client({ connectionString: adminUrl, application_name: 'atom-bench-sampler' });
    this.database = database;
    this.intervalMs = intervalMs;
  }

  async open() {
    await this.client.connect();
  }

  async close() {
    await this.client.end().catch(() => undefined);
  }

  async sampleOnce() {
    const { rows } = await this.client.query(SAMPLE_SQL, [this.database]);
    const byApp = Object.fromEntries(rows.map((row) => [row.app || '(none)', row.n]));
    return { total: rows.reduce((sum, row) => sum + row.n, 0), byApp };
  }

  /** Samples until `work` settles; returns its result and a summary of the samples. */
  async during(work) {
    const samples = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        samples.push(await this.sampleOnce());
        await sleep(this.intervalMs);
      }
    })();
    try {
      const result = await work();
      return { result, connections: summarize(samples) };
    } finally {
      running = false;
      await loop;
    }
  }
}

function summarize(samples) {
  const totals = samples.map((sample) => sample.total);
  const maxByApp = {};
  for (const sample of samples) {
    for (const [app, n] of Object.entries(sample.byApp)) maxByApp[app] = Math.max(maxByApp[app] ?? 0, n);
  }
  return { samples: samples.length, max: Math.max(0, ...totals), median: median(totals), maxByApplication: maxByApp };
}

module.exports = { ConnectionSampler };
