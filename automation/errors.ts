/**
 * One error family for the whole tool. Every failure a user can see carries a
 * stable `code` (for scripts and runbooks), a `source` (who must act), and the
 * process exit code of its family, so cli/ never matches error text.
 */

/** Who has to act on the error. */
export type ErrorSource = "user" | "aws" | "tool";

/** Exit codes per family; documented in docs/exit-codes.md. */
export const ExitCode = {
  ok: 0,
  tool: 1,
  usage: 2,
  precondition: 3,
  aws: 4,
  verification: 5,
  refused: 6,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface DrFailoverErrorOptions {
  /** Extra lines shown under the message (e.g. every schema problem). */
  details?: string[];
  /** What the operator can do about it. */
  hint?: string;
  cause?: unknown;
}

export class DrFailoverError extends Error {
  readonly code: string;
  readonly source: ErrorSource;
  readonly exitCode: ExitCodeValue;
  readonly details: string[];
  readonly hint?: string;

  constructor(
    code: string,
    message: string,
    source: ErrorSource,
    exitCode: ExitCodeValue,
    options: DrFailoverErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.source = source;
    this.exitCode = exitCode;
    this.details = options.details ?? [];
    this.hint = options.hint;
  }
}

/** The command line or the plan is wrong: nothing was touched. */
export class UsageError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "user", ExitCode.usage, options);
  }
}

/** The world is not ready for the journey (missing snapshot, RPO breach, ...): nothing was created. */
export class PreconditionError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "user", ExitCode.precondition, options);
  }
}

/** AWS (or the emulator) failed or timed out. */
export class AwsError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "aws", ExitCode.aws, options);
  }
}

/** The DR environment came up but does not answer as it should. */
export class VerificationError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "user", ExitCode.verification, options);
  }
}

/** A safety rule stopped the journey (production DNS that cannot be restored, ...). */
export class RefusedError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "user", ExitCode.refused, options);
  }
}

/** The Pulumi engine or the tool itself failed. */
export class ToolError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "tool", ExitCode.tool, options);
  }
}

export function isDrFailoverError(error: unknown): error is DrFailoverError {
  return error instanceof DrFailoverError;
}

/** The operator interrupted the run (Ctrl-C): the engine was told to stop; a re-run resumes. */
export class InterruptedError extends DrFailoverError {
  constructor(code: string, message: string, options?: DrFailoverErrorOptions) {
    super(code, message, "user", ExitCode.interrupted, options);
  }
}
