'use strict';

const { round } = require('./report');

function percentChange(from, to) {
  return from > 0 ? round(((to - from) / from) * 100) : null;
}

/** Atom against the direct SQL of the same phase and query: p99 (lower is better) and req/s ratios. */
function ratios(phase, query) {
  const atom = phase.runs[query].atom.load;
  const direct = phase.runs[query].direct.load;
  return {
    p99: direct.latencyMs.p99 > 0 ? round(atom.latencyMs.p99 / direct.latencyMs.p99, 2) : null,
    requestsPerSecond: direct.requestsPerSecond > 0 ? round(atom.requestsPerSecond / direct.requestsPerSecond, 2) : null,
  };
}

/** Ratios per phase and query, and how Atom changed from 1 to N tenants (with the direct SQL's change beside it). */
function evaluateAgents(phases) {
  const [one, many] = phases;
  const summary = { ratios: {}, tenantScaling: null };
  for (const phase of phases) {
    summary.ratios[`${phase.tenants}`] = { list: ratios(phase, 'list'), search: ratios(phase, 'search') };
  }
  if (many) {
    summary.tenantScaling = Object.fromEntries(
      ['list', 'search'].map((query) => [
        query,
        Object.fromEntries(
          ['atom', 'direct'].map((server) => {
            const [a, b] = [one.runs[query][server].load, many.runs[query][server].load];
            return [server, { requestsPerSecondChangePercent: percentChange(a.requestsPerSecond, b.requestsPerSecond), p99ChangePercent: percentChange(a.latencyMs.p99, b.latencyMs.p99) }];
          }),
        ),
      ]),
    );
  }
  return summary;
}

function cell(value, width, digits = 1) {
  const text = typeof value === 'number' ? String(round(value, digits)) : String(value ?? '-');
  return text.padStart(width);
}

function runRow(label, run, ratio) {
  const { load, connections, cpu } = run;
  return [
    label.padEnd(30),
    cell(load.requestsPerSecond, 9),
    cell(load.latencyMs.p50, 7),
    cell(load.latencyMs.p99, 7),
    cell(load.ok2xx, 8, 0),
    cell(load.non2xx + load.errors, 7, 0),
    cell(`${connections.max} / ${connections.median}`, 11),
    cell(cpu.serverPercentOfOneCore === null ? null : `${cpu.serverPercentOfOneCore}%`, 8),
    cell(cpu.machinePercent === null ? null : `${cpu.machinePercent}%`, 8),
    cell(ratio ? `${ratio.p99}x` : '', 9),
    cell(ratio ? `${ratio.requestsPerSecond}x` : '', 9),
  ].join(' ');
}

function formatAgentsSummary(report) {
  const { settings, phases, summary, data, plans } = report;
  const header = [
    'run'.padEnd(30), 'req/s'.padStart(9), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), '2xx'.padStart(8), 'failed'.padStart(7),
    'PG max/med'.padStart(11), 'srv CPU'.padStart(8), 'box CPU'.padStart(8), 'p99 x'.padStart(9), 'req/s x'.padStart(9),
  ].join(' ');
  const lines = [
    '',
    `GET /api/agents?limit=20&sort=created_at [&q=${settings.q}]: ${data.agents} agents in ${data.tenant}, ` +
      `q matches ${data.searchMatches} (${data.searchMatchPercent}%); ${settings.connections} connections, ` +
      `${settings.durationSeconds} s per run (after ${settings.warmupSeconds} s warm-up), DB pool ${settings.poolSize}`,
    '"direct SQL": node:http + pg running the same count and page statements; "x" columns: atom / direct SQL',
    header,
    '-'.repeat(header.length),
  ];
  for (const phase of phases) {
    const tenants = `${phase.tenants} tenant${phase.tenants === 1 ? '' : 's'}`;
    for (const query of ['list', 'search']) {
      lines.push(runRow(`${tenants}, ${query}, direct SQL`, phase.runs[query].direct));
      lines.push(runRow(`${tenants}, ${query}, atom`, phase.runs[query].atom, summary.ratios[`${phase.tenants}`][query]));
    }
  }
  if (summary.tenantScaling) {
    const { list, search } = summary.tenantScaling;
    lines.push(
      '',
      `${settings.tenants} vs 1 tenant, atom: list req/s ${list.atom.requestsPerSecondChangePercent}%, p99 ${list.atom.p99ChangePercent}%; ` +
        `search req/s ${search.atom.requestsPerSecondChangePercent}%, p99 ${search.atom.p99ChangePercent}% ` +
        `(direct SQL over the same change: list ${list.direct.requestsPerSecondChangePercent}%, search ${search.direct.requestsPerSecondChangePercent}% req/s)`,
    );
  }
  lines.push('', `plans with ${data.agents} agents (EXPLAIN ANALYZE, one run each):`);
  for (const [name, plan] of Object.entries(plans)) lines.push(`  ${name.padEnd(13)} ${plan.executionMs} ms  ${plan.outline}`);
  if (report.provisioning) {
    const p = report.provisioning;
    lines.push(`provisioning ${p.tenants} more tenants via the API: ${p.seconds} s (${p.concurrency} at a time, ${p.msPerTenant} ms/tenant), then ${p.agentsEach} agents each by SQL in ${p.seedSeconds} s`);
  }
  lines.push(`machine before start: ${report.environment.machineBusyBeforeStartPercent}% busy, load average ${report.environment.loadAverage.join(' ')}`);
  if (report.problems.length) lines.push('', 'PROBLEMS (these measurements are not valid):', ...report.problems.map((p) => `  - ${p}`));
  return lines.join('\n');
}

module.exports = { evaluateAgents, formatAgentsSummary };
