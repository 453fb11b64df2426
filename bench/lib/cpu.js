'use strict';

const { readFileSync } = require('node:fs');
const os = require('node:os');
const { setTimeout } = require('node:timers');

// Linux only (/proc): on other systems the CPU columns stay empty.
const TICKS_PER_SECOND = 100;

function processTicks(pid) {
  try {
    // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop().trim().split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function machineTicks() {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = values[3] + (values[4] ?? 0);
    // steal: time the hypervisor gave this VM's cores to someone else (counted as busy above).
    return { total: values.reduce((a, b) => a + b, 0), idle, steal: values[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * CPU used by the server process (100% = one core) and by the whole machine (100% = all cores) while
 * `work` runs, and the share of the machine's time stolen by the hypervisor (a VM's neighbours: a
 * slow run with steal is the host's doing, not the code's).
 */
async function measureCpu(pid, work) {
  const startedAt = process.hrtime.bigint();
  const before = { proc: processTicks(pid), machine: machineTicks() };
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const after = { proc: processTicks(pid), machine: machineTicks() };
  const serverPercent =
    before.proc === null || after.proc === null ? null : Math.round(((after.proc - before.proc) / TICKS_PER_SECOND / seconds) * 100);
  let machinePercent = null;
  let stealPercent = null;
  if (before.machine && after.machine) {
    const total = after.machine.total - before.machine.total;
    machinePercent = total > 0 ? Math.round((1 - (after.machine.idle - before.machine.idle) / total) * 100) : null;
    stealPercent = total > 0 ? Math.round(((after.machine.steal - before.machine.steal) / total) * 1000) / 10 : null;
  }
  return { result, cpu: { serverPercentOfOneCore: serverPercent, machinePercent, stealPercent, cores: os.cpus().length } };
}

/** How busy the machine is (all cores, percent) over `ms` while this benchmark does nothing: other load skews results. */
async function machineBusyPercent(ms) {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  if (!before || !after || after.total === before.total) return null;
  return Math.round((1 - (after.idle - before.idle) / (after.total - before.total)) * 100);
}

module.exports = { measureCpu, machineBusyPercent };
