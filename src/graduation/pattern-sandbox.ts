import { Worker } from 'node:worker_threads';
import type { OnModuleDestroy } from '@nestjs/common';

/**
 * Largest compiled pattern accepted (RE2 program instructions). RE2's matching time is linear in the
 * answer, but also in the program: `.{1000}` repeated a hundred times (well within 1,000 characters)
 * compiles to 142,000 instructions, ~0.25 s to compile and ~90 s to scan a 100,000-character answer.
 * 5,000 leaves room for any pattern a person writes (`(?i)(refund|return).{0,200}(policy|days)`: 439).
 */
export const MAX_PATTERN_PROGRAM = 5000;

export interface SandboxLimits {
  /** Compiling a pattern when an edge case is written. */
  compileMs: number;
  /** Compiling and matching it against one answer during an exam. */
  matchMs: number;
}

const DEFAULT_LIMITS: SandboxLimits = { compileMs: 500, matchMs: 2000 };

/** What the worker answers for one job. */
type WorkerReply = { size: number; matched?: boolean } | { tooLarge: number } | { invalid: string };

export type PatternCheck = { ok: true } | { ok: false; problem: string };
export type PatternMatch = { matched: boolean } | { failed: string };

/** A PatternMatcher bound to one tenant's turn in the sandbox (what grading uses). */
export interface PatternMatcher {
  match(pattern: string, text: string): Promise<PatternMatch>;
}

interface Job {
  pattern: string;
  text?: string;
  deadlineMs: number;
  settle: (reply: WorkerReply | { timedOut: true } | { crashed: string }) => void;
}

/**
 * The worker's code: compiles with RE2JS (module path passed in, so it resolves as the app does),
 * refuses a program over the limit before running it, and matches.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { RE2JS } = require(workerData.re2js);
parentPort.on('message', ({ pattern, text }) => {
  let reply;
  try {
    const re = RE2JS.compile(pattern);
    const size = re.programSize();
    if (size > workerData.maxProgram) reply = { tooLarge: size };
    else reply = text === undefined ? { size } : { size, matched: re.matcher(text).find() };
  } catch (error) {
    reply = { invalid: String((error && error.message) || error) };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage('ready');
`;

/**
 * Edge-case regexes, compiled and matched off the main thread, one job at a time, each with a
 * deadline: a job that overruns has its worker terminated (the next job gets a new one), so no
 * pattern can hold up the requests of every tenant, whatever it costs to compile or to run.
 * Jobs wait in one queue per owner (a tenant), served in turn (one job per waiting owner a round): a
 * tenant that queues a hundred costly jobs (an exam, a loop of writes) delays another tenant's next
 * job by one of its own at most, not by the hundred.
 */
export class PatternSandbox implements OnModuleDestroy {
  private readonly limits: SandboxLimits;
  private worker?: Worker;
  private ready?: Promise<void>;
  /** Waiting jobs per owner; the Map's order is the order owners are served in (served: to the back). */
  private readonly queues = new Map<string, Job[]>();
  private lastOwner?: string;
  private running = false;

  constructor(limits?: Partial<SandboxLimits>) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Null when the pattern may be stored, else why not (the field error of a 400). `owner`: whose turn it takes. */
  async check(pattern: string, owner: string): Promise<string | null> {
    const reply = await this.submit(owner, pattern, undefined, this.limits.compileMs);
    if ('invalid' in reply) return `invalid regular expression (RE2 syntax): ${reply.invalid}`;
    if ('tooLarge' in reply) return `the pattern is too complex: it compiles to ${reply.tooLarge} instructions (at most ${MAX_PATTERN_PROGRAM})`;
    if ('timedOut' in reply) return `the pattern is too complex: compiling it took more than ${this.limits.compileMs} ms`;
    if ('crashed' in reply) return `the pattern could not be compiled: ${reply.crashed}`;
    return null;
  }

  /** Whether the pattern matches somewhere in the text, or why it could not be decided. */
  async match(pattern: string, text: string, owner: string): Promise<PatternMatch> {
    const reply = await this.submit(owner, pattern, text, this.limits.matchMs);
    if ('matched' in reply) return { matched: reply.matched === true };
    if ('invalid' in reply) return { failed: 'the expected pattern is not a valid regular expression' };
    if ('tooLarge' in reply) return { failed: 'the expected pattern is too complex to grade' };
    if ('timedOut' in reply) return { failed: `matching the expected pattern took more than ${this.limits.matchMs} ms on this answer` };
    if ('crashed' in reply) return { failed: `the expected pattern could not be matched: ${reply.crashed}` };
    return { failed: 'the expected pattern could not be matched' };
  }

  /** match() on `owner`'s turn. */
  matcherFor(owner: string): PatternMatcher {
    return { match: (pattern, text) => this.match(pattern, text, owner) };
  }

  onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.discardWorker();
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  private submit(owner: string, pattern: string, text: string | undefined, deadlineMs: number) {
    return new Promise<WorkerReply | { timedOut: true } | { crashed: string }>((settle) => {
      const jobs = this.queues.get(owner);
      if (jobs) jobs.push({ pattern, text, deadlineMs, settle });
      else this.queues.set(owner, [{ pattern, text, deadlineMs, settle }]);
      void this.next();
    });
  }

  /**
   * The next job of the first owner in line other than the one served last (unless nobody else
   * waits); that owner goes to the back of the line.
   */
  private take(): Job | undefined {
    let owner: string | undefined;
    for (const waiting of this.queues.keys()) {
      owner ??= waiting;
      if (waiting !== this.lastOwner) {
        owner = waiting;
        break;
      }
    }
    if (owner === undefined) return undefined;
    const jobs = this.queues.get(owner)!;
    const job = jobs.shift();
    this.queues.delete(owner);
    if (jobs.length > 0) this.queues.set(owner, jobs);
    this.lastOwner = owner;
    return job;
  }

  private async next(): Promise<void> {
    if (this.running) return;
    const job = this.take();
    if (!job) return;
    this.running = true;
    try {
      job.settle(await this.run(job));
    } finally {
      this.running = false;
      void this.next();
    }
  }

  private async run(job: Job): Promise<WorkerReply | { timedOut: true } | { crashed: string }> {
    let worker: Worker;
    try {
      worker = await this.readyWorker();
    } catch (error) {
      this.discardWorker();
      return { crashed: (error as Error).message };
    }
    return new Promise((resolve) => {
      const finish = (outcome: WorkerReply | { timedOut: true } | { crashed: string }) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onFailure);
        worker.off('exit', onFailure);
        resolve(outcome);
      };
      const onMessage = (reply: WorkerReply) => finish(reply);
      const onFailure = (error?: unknown) => {
        this.discardWorker();
        finish({ crashed: error instanceof Error ? error.message : 'the worker stopped' });
      };
      // The deadline starts once the job is in the worker's hands (a new worker is ready by then).
      const timer = setTimeout(() => {
        this.discardWorker();
        void worker.terminate();
        finish({ timedOut: true });
      }, job.deadlineMs);
      worker.on('message', onMessage);
      worker.once('error', onFailure);
      worker.once('exit', onFailure);
      worker.postMessage({ pattern: job.pattern, text: job.text });
    });
  }

  private async readyWorker(): Promise<Worker> {
    const [current, starting] = [this.worker, this.ready];
    if (current && starting) {
      await starting;
      return current;
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { re2js: require.resolve('re2js'), maxProgram: MAX_PATTERN_PROGRAM },
      // A job that outgrows this ends the worker like one that overruns its deadline.
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    // An idle sandbox never keeps the process alive.
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker exited (code ${code})`)));
    });
    this.worker = worker;
    this.ready = ready;
    await ready;
    return worker;
  }

  private discardWorker(): void {
    this.worker = undefined;
    this.ready = undefined;
  }
}
