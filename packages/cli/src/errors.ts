/**
 * Every failure the CLI reports on purpose is a `CliError`: its message is the one line
 * printed after `error:`, its hint (when set) follows after a dash, and its exit code is
 * what the process ends with. Anything else reaching the entry point is a bug and is
 * reported as such.
 */
export abstract class CliError extends Error {
  abstract readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** The command was called wrongly, or its input (flags, documents, environment) is invalid. Exit 2. */
export class UsageError extends CliError {
  readonly exitCode = 2;
}

/** mcpd answered with an error status. Exit 1. */
export class ApiError extends CliError {
  readonly exitCode = 1;
  readonly status: number;
  /** Seconds from `Retry-After`, when mcpd sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    message: string,
    options: { hint?: string; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options);
    this.status = status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The request did not get a usable answer: mcpd unreachable, a malformed answer, a broken stream. Exit 1. */
export class RequestError extends CliError {
  readonly exitCode = 1;
}

/** The connection to mcpd failed, broke, or got no answer in time: nothing can be said of the server from it. Exit 1. */
export class ConnectionError extends RequestError {}

/**
 * A 404 from a server that does not answer `GET /api/v1/status` as mcpd does: the URL leads to
 * another server, or under a path mcpd does not serve. Never an `ApiError`, so no caller takes it
 * for "that resource does not exist" (and creates it there, secrets included). Exit 1.
 */
export class NotMcpdError extends RequestError {
  constructor(
    readonly baseUrl: string,
    /** What answered 404, and mcpd-like words it said, if any. */
    readonly detail: string,
    options: { hint: string; cause?: unknown },
  ) {
    super(`no mcpd at ${baseUrl}: ${detail}`, options);
  }
}

/** A local file the CLI depends on (credentials) is missing or unreadable. Exit 1. */
export class ConfigError extends CliError {
  readonly exitCode = 1;
}

/**
 * A failure about one item of a batch (a document of `apply -f`): the item's failure with its
 * message prefixed by where it happened, e.g. `llms.yaml: document 2 (llm/a): …`. Same exit code.
 */
export class ItemError extends CliError {
  readonly exitCode: number;
  /** The failure as the item's own code reported it. */
  readonly reason: CliError;

  constructor(where: string, reason: CliError) {
    super(`${where}: ${reason.message}`, { ...(reason.hint === undefined ? {} : { hint: reason.hint }), cause: reason });
    this.exitCode = reason.exitCode;
    this.reason = reason;
  }
}

/** Some items of a batch failed, each reported on a line of its own already; this says how many. Exit 1. */
export class PartialFailureError extends CliError {
  readonly exitCode = 1;
}

/**
 * Several items of a batch were refused before any was sent, each reported on a line of its own
 * already; this says how many. Exit 2 when every one was bad input, else 1.
 */
export class BatchRefusedError extends CliError {
  readonly exitCode: number;

  constructor(message: string, exitCode: number, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** The user pressed Ctrl-C while a one-shot request was running. Exit 130, as shells expect. */
export class InterruptedError extends CliError {
  readonly exitCode = 130;

  constructor() {
    super('interrupted');
  }
}

/** The line printed for a `CliError`: `message — hint`. */
export function formatCliError(error: CliError): string {
  return error.hint === undefined ? error.message : `${error.message} — ${error.hint}`;
}

/** True for the error `fetch` and stream readers throw once their `AbortSignal` fired. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
