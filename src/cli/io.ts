import { DataDirInUseError } from '../database/embedded-postgres';
import { ConfigError } from '../config/config';
import { AppError } from '../common/http/error-codes';

/** What a CLI run produced: the exit code and everything it wrote (the tests read these). */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit codes shared by the CLIs. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, CONFIG: 78 } as const;

/** A refusal the CLI itself raises (bad arguments, unsafe situation) before any service is called. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.USAGE,
  ) {
    super(message);
  }
}

/**
 * Collects a run's output and, when `echo` is on (a real process), streams it as it goes, so a long
 * migration shows progress while tests still get the whole text back.
 */
export class CliOutput {
  private readonly out: string[] = [];
  private readonly err: string[] = [];

  constructor(private readonly echo: boolean) {}

  line(text: string): void {
    this.out.push(`${text}\n`);
    if (this.echo) process.stdout.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  errorLine(text: string): void {
    this.err.push(`${text}\n`);
    if (this.echo) process.stderr.write(`${text}\n`);
  }

  /** Reports a failure on stderr and returns the exit code it maps to. */
  fail(error: unknown): number {
    if (error instanceof AppError) {
      const fields = (error.details as { fields?: { field: string; errors: string[] }[] }).fields;
      if (Array.isArray(fields) && fields.length) {
        // The message repeats every field error on one line; list them one per line, by their option name.
        this.errorLine(`error [${error.code}] invalid arguments:`);
        for (const field of fields) this.errorLine(`  --${field.field.replace(/_/g, '-')}: ${field.errors.join('; ')}`);
      } else {
        this.errorLine(`error [${error.code}] ${error.message}`);
      }
      return error.code === 'INVALID_INPUT' ? EXIT.USAGE : EXIT.FAILED;
    }
    if (error instanceof ConfigError) {
      this.errorLine(`error ${error.message}`);
      return EXIT.CONFIG;
    }
    if (error instanceof CliError) {
      this.errorLine(`error ${error.message}`);
      return error.code;
    }
    if (error instanceof DataDirInUseError) {
      this.errorLine(`error ${error.message}`);
      return EXIT.FAILED;
    }
    const failure = error as Error;
    this.errorLine(`error ${failure?.stack ?? String(error)}`);
    return EXIT.FAILED;
  }

  result(code: number): CliResult {
    return { code, stdout: this.out.join(''), stderr: this.err.join('') };
  }
}

/** The process entry of a CLI: run, set the exit code, and never hang on a stray handle. */
export function runAsProcess(run: () => Promise<CliResult>): void {
  // `… | head` closes the pipe early: that is the reader's choice, not a failure worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  run()
    .then((result) => {
      process.exitCode = result.code;
    })
    .catch((error: Error) => {
      process.stderr.write(`${error?.stack ?? String(error)}\n`);
      process.exitCode = EXIT.FAILED;
    })
    .finally(() => {
      // Everything is closed by now; if a library left a timer or socket behind, do not wait on it.
      setTimeout(() => process.exit(), 2000).unref();
    });
}
