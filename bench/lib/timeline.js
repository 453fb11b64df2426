'use strict';

// BENCH_CHAT_TIMELINE=1 (bench/chat.js): where each stream's added time went, from the Atom process's
// own records (timeline-preload.js) joined with the load generator's and the fake provider's. The six
// parts add up to *added* exactly:
//   toAtom          load generator sends -> Atom has parsed the request (connect, the client writing it,
//                   Atom accepting and reading it)
//   atomBefore      Atom: credentials, the statements before the model, the prompt, the provider request
//   toProvider      Atom hands the request to its socket -> the fake provider's handler runs
//   chunkToAtom     the fake wrote its first chunk -> Atom has read it
//   atomAfter       Atom: that chunk -> the first delta frame written
//   toClient        Atom writes the frame -> the load generator reads it
// `atomOwn` = atomBefore + atomAfter: the part spent inside Atom's own code, without the time a message
// waited in a socket for one of the three processes to get to it.
const { readFileSync, unlinkSync } = require('node:fs');
const { join } = require('node:path');
const { summary, mean } = require('./stats');

const PRELOAD = join(__dirname, 'timeline-preload.js');
const PARTS = ['toAtom', 'atomBefore', 'toProvider', 'chunkToAtom', 'atomAfter', 'toClient', 'atomOwn'];

/** Reads (and removes) what the preload wrote when the Atom process exited. */
function readTimeline(file) {
  const records = JSON.parse(readFileSync(file, 'utf8'));
  unlinkSync(file);
  return records;
}

/**
 * `timed`: the measured streams of a phase ({tag, added, startedAt, firstDeltaAt, receivedAt,
 * providerFirstChunkAt}, epoch ms); `records`: the preload's. Percentiles of each part, its mean over the
 * slowest 1% (by added), and the statements run before the first delta (duration, and the wait before each;
 * the last one stores the user message while the model works, and the first delta waits for it).
 */
function whereTheTimeWent(timed, records) {
  const atom = new Map(records.map((record) => [record.tag, record]));
  const rows = [];
  for (const t of timed) {
    const a = atom.get(t.tag);
    if (!a || [a.request, a.provider, a.chunk, a.delta].some((at) => at === undefined)) continue;
    const atomBefore = a.provider - a.request;
    const atomAfter = a.delta - a.chunk;
    rows.push({
      added: t.added,
      toAtom: a.request - t.startedAt,
      atomBefore,
      toProvider: t.receivedAt - a.provider,
      chunkToAtom: a.chunk - t.providerFirstChunkAt,
      atomAfter,
      toClient: t.firstDeltaAt - a.delta,
      atomOwn: atomBefore + atomAfter,
      statements: a.statements.filter((s) => s.end !== undefined),
      request: a.request,
    });
  }
  if (rows.length === 0) return null;
  const slowest = [...rows].sort((x, y) => y.added - x.added).slice(0, Math.max(1, Math.ceil(rows.length / 100)));
  const parts = {};
  for (const part of PARTS) parts[part] = { ...summary(rows.map((row) => row[part])), slowestPercentMeanMs: mean(slowest.map((row) => row[part])) };
  return { streams: rows.length, parts, statements: statementSummary(rows, new Set(slowest)) };
}

/**
 * By statement (its first words), in the order they run: how long each took (and on average in the
 * slowest 1% of streams), and the wait since the previous step.
 */
function statementSummary(rows, slowest) {
  const bySql = new Map();
  for (const row of rows) {
    let previousEnd = row.request;
    for (const statement of row.statements) {
      let entry = bySql.get(statement.sql);
      if (!entry) bySql.set(statement.sql, (entry = { sql: statement.sql, durations: [], waits: [], slowestDurations: [] }));
      const duration = statement.end - statement.start;
      entry.durations.push(duration);
      if (slowest.has(row)) entry.slowestDurations.push(duration);
      entry.waits.push(statement.start - previousEnd);
      previousEnd = statement.end;
    }
  }
  return [...bySql.values()]
    .filter((entry) => entry.durations.length >= rows.length / 10)
    .map((entry) => ({
      sql: entry.sql,
      n: entry.durations.length,
      durationMs: { ...summary(entry.durations), slowestPercentMeanMs: entry.slowestDurations.length ? mean(entry.slowestDurations) : null },
      waitBeforeMs: summary(entry.waits),
    }));
}

module.exports = { PRELOAD, readTimeline, whereTheTimeWent };
