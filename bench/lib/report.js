'use strict';

const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

const TARGETS = { minRatio: 0.5, maxTenantChangePercent: 10 };
const NEST_CEILING_TITLE = 'nest ceiling (no DB, no auth)';
const NEST_WITH_QUERY_TITLE = 'nest + the query (no auth)';

function round(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function percentChange(from, to) {
  return from > 0 ? ((to - from) / from) * 100 : null;
}

/** Ratio, tenant scaling and connection growth, each against its target from the issue. */
function evaluate(runs, settings) {
  const { baseline, baselineManyTenants, atomOneTenant, atomManyTenants, atomSpread, atomOneTenantAgain, nestCeiling, nestWithQuery } = runs;
  const ratio = atomOneTenant.load.requestsPerSecond / baseline.load.requestsPerSecond;
  // The 1-tenant reference: the mean of the runs before and after the N-tenant ones, when both exist.
  const oneTenantRuns = [atomOneTenant, atomOneTenantAgain].filter(Boolean);
  const reference = {
    rps: oneTenantRuns.reduce((sum, run) => sum + run.load.requestsPerSecond, 0) / oneTenantRuns.length,
    p99: oneTenantRuns.reduce((sum, run) => sum + run.load.latencyMs.p99, 0) / oneTenantRuns.length,
  };
  const tenantChange = percentChange(reference.rps, atomManyTenants.load.requestsPerSecond);
  const p99Change = percentChange(reference.p99, atomManyTenants.load.latencyMs.p99);
  const manyMax = Math.max(atomManyTenants.connections.max, atomSpread?.connections.max ?? 0);
  return {
    atomVsBaselineRatio: {
      value: round(ratio, 3),
      // Bare Nest + Express, constant JSON, no database: the most any Nest app could reach here.
      nestCeilingRatio: nestCeiling ? round(nestCeiling.load.requestsPerSecond / baseline.load.requestsPerSecond, 3) : null,
      // The same app plus the baseline's query through pg: the floor for any Nest route doing this read.
      nestWithQueryRatio: nestWithQuery ? round(nestWithQuery.load.requestsPerSecond / baseline.load.requestsPerSecond, 3) : null,
      target: `>= ${TARGETS.minRatio}x`,
      met: ratio >= TARGETS.minRatio,
    },
    tenantScaling: {
      tenants: settings.tenants,
      requestsPerSecondChangePercent: round(tenantChange),
      p99ChangePercent: round(p99Change),
      oneTenantReferenceRequestsPerSecond: round(reference.rps),
      oneTenantRunsDriftPercent: atomOneTenantAgain ? round(percentChange(atomOneTenant.load.requestsPerSecond, atomOneTenantAgain.load.requestsPerSecond)) : null,
      spreadVsOneTenantPercent: atomSpread ? round(percentChange(reference.rps, atomSpread.load.requestsPerSecond)) : null,
      baselineChangePercent: round(percentChange(baseline.load.requestsPerSecond, baselineManyTenants.load.requestsPerSecond)),
      target: `within ${TARGETS.maxTenantChangePercent}% (req/s)`,
      met: tenantChange !== null && Math.abs(tenantChange) <= TARGETS.maxTenantChangePercent,
    },
    connections: {
      oneTenantMax: atomOneTenant.connections.max,
      manyTenantsMax: atomManyTenants.connections.max,
      spreadMax: atomSpread?.connections.max ?? null,
      poolSize: settings.poolSize,
      target: 'does not grow with tenants',
      met: manyMax <= Math.max(atomOneTenant.connections.max, settings.poolSize),
    },
  };
}

function cell(value, width, digits = 1) {
  const text = typeof value === 'number' ? String(round(value, digits)) : String(value ?? '-');
  return text.padStart(width);
}

function runRow(label, run) {
  const { load, connections, cpu } = run;
  return [
    label.padEnd(36),
    cell(load.requestsPerSecond, 9),
    cell(load.latencyMs.p50, 7),
    cell(load.latencyMs.p99, 7),
    cell(load.ok2xx, 8, 0),
    cell(load.non2xx + load.errors, 7, 0),
    cell(`${connections.max} / ${connections.median}`, 11),
    cell(cpu.serverPercentOfOneCore === null ? null : `${cpu.serverPercentOfOneCore}%`, 8),
    cell(cpu.machinePercent === null ? null : `${cpu.machinePercent}%`, 8),
  ].join(' ');
}

function verdict(met) {
  return met ? 'MET' : 'NOT MET';
}

function formatSummary(report) {
  const { runs, summary, settings, provisioning, startup } = report;
  const header = [
    'run'.padEnd(36), 'req/s'.padStart(9), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), '2xx'.padStart(8),
    'failed'.padStart(7), 'PG max/med'.padStart(11), 'srv CPU'.padStart(8), 'box CPU'.padStart(8),
  ].join(' ');
  const lines = [
    '',
    `GET /api/auth/me, ${settings.connections} connections, ${settings.durationSeconds} s per run (after ${settings.warmupSeconds} s warm-up), DB pool ${settings.poolSize}`,
    header,
    '-'.repeat(header.length),
    runRow('baseline (node:http + pg), 1 tenant', runs.baseline),
    ...(runs.nestCeiling ? [runRow(NEST_CEILING_TITLE, runs.nestCeiling)] : []),
    ...(runs.nestWithQuery ? [runRow(NEST_WITH_QUERY_TITLE, runs.nestWithQuery)] : []),
    runRow('atom, 1 tenant', runs.atomOneTenant),
    runRow(`atom, ${settings.tenants} tenants`, runs.atomManyTenants),
  ];
  if (runs.atomSpread) lines.push(runRow(`atom, ${settings.tenants} tenants, load on all`, runs.atomSpread));
  lines.push(runRow(`baseline, ${settings.tenants} tenants`, runs.baselineManyTenants));
  if (runs.atomOneTenantAgain) lines.push(runRow('atom, 1 tenant again (others deleted)', runs.atomOneTenantAgain));
  const { atomVsBaselineRatio: ratio, tenantScaling: scaling, connections } = summary;
  lines.push(
    '',
    `atom / baseline throughput: ${ratio.value}x (target ${ratio.target}): ${verdict(ratio.met)}` +
      (ratio.nestCeilingRatio === null ? '' : `; bare Nest with no DB or auth reaches ${ratio.nestCeilingRatio}x`) +
      (ratio.nestWithQueryRatio === null ? '' : `, bare Nest doing the same query ${ratio.nestWithQueryRatio}x`),
    `${scaling.tenants} vs 1 tenant (mean of the 1-tenant runs, ${scaling.oneTenantReferenceRequestsPerSecond} req/s` +
      (scaling.oneTenantRunsDriftPercent === null ? '' : `; they differ by ${scaling.oneTenantRunsDriftPercent}%`) +
      `): req/s ${scaling.requestsPerSecondChangePercent}%, p99 ${scaling.p99ChangePercent}%` +
      (scaling.spreadVsOneTenantPercent === null ? '' : `, load on all tenants: req/s ${scaling.spreadVsOneTenantPercent}%`) +
      ` (target ${scaling.target}): ${verdict(scaling.met)}; baseline ${scaling.baselineChangePercent}% over the same change`,
    `PostgreSQL connections during load: 1 tenant max ${connections.oneTenantMax}, ${scaling.tenants} tenants max ${connections.manyTenantsMax}` +
      (connections.spreadMax === null ? '' : `, load on all max ${connections.spreadMax}`) +
      ` (pool ${connections.poolSize}; target: ${connections.target}): ${verdict(connections.met)}`,
    `provisioning ${provisioning.tenants} more tenants via the API: ${provisioning.seconds} s ` +
      `(${provisioning.concurrency} at a time${provisioning.withLogin ? ', each with a login' : ''}; ${provisioning.msPerTenant} ms/tenant; max ${provisioning.connections.max} PG connections)`,
    `atom start-up: ${startup.oneTenantSeconds} s with 1 tenant, ${startup.manyTenantsSeconds} s with ${settings.tenants} tenants`,
    `machine before start: ${report.environment.machineBusyBeforeStartPercent}% busy, load average ${report.environment.loadAverage.join(' ')}`,
  );
  if (report.problems.length) lines.push('', 'PROBLEMS (these measurements are not valid):', ...report.problems.map((p) => `  - ${p}`));
  return lines.join('\n');
}

function writeJson(file, report) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

module.exports = { evaluate, formatSummary, writeJson, round, NEST_CEILING_TITLE, NEST_WITH_QUERY_TITLE };
