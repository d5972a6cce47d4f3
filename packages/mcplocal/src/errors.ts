import { REQUEST_REFUSAL_STATUSES } from '@mcpctl/protocol';

/** Every failure mcplocal raises on purpose; anything else reaching the entry point is a bug. */
export class McplocalError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * mcpd took the registration (`registered`), but offers no transport this run may use: the
 * forced `websocket` from an mcpd without the provider socket. The session is saved before the
 * start fails, so the next start, with a transport that works, takes its rows back.
 */
export class UnusableTransportError extends McplocalError {
  constructor(
    message: string,
    readonly registered: { providerSessionId: string },
  ) {
    super(message);
  }
}

/** mcpd could not be reached at all, or did not answer in time: nothing it said, only silence or a network failure. */
export class McpdUnreachableError extends McplocalError {}

/**
 * A local model server answered with an error status, sent a broken answer, or could not be
 * reached (status 502). `status` is what a relay passes on; `serverMessage` is the server's
 * own words, when it said any.
 */
export class ProviderError extends McplocalError {
  readonly status: number;
  readonly serverMessage: string | undefined;
  /** The server's `Retry-After`, as it sent it. */
  readonly retryAfter: string | undefined;

  constructor(status: number, message: string, options: { cause?: unknown; serverMessage?: string; retryAfter?: string | undefined } = {}) {
    super(message, options);
    this.status = status;
    this.serverMessage = options.serverMessage;
    this.retryAfter = options.retryAfter;
  }
}

/**
 * A local server cannot serve now, and may say when to try again (`retryAfterSeconds`): a
 * relay's 503 carries it on, as the local endpoint's does. A backend found asleep that did not
 * wake for the request that found it is one (as mcpd's own failed wakes, 30 s).
 */
export class ProviderUnavailableError extends ProviderError {
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number | undefined } = {}) {
    super(503, message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * A managed model server cannot serve now: it exited while starting, did not answer in time, or
 * keeps crashing. `logTail` (the last lines of its log, which may name local paths) is for the
 * local endpoint alone; a relay passes on the message.
 */
export class ManagedServerError extends ProviderUnavailableError {
  readonly logTail: string | undefined;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number; logTail?: string } = {}) {
    super(message, options);
    this.logTail = options.logTail;
  }
}

/**
 * A local server refused the request itself (context too long, a bad parameter, rate limited):
 * the caller gets that status, as from a public LLM's upstream, and not a failure of the
 * publisher, which clients retry and pools move on from.
 */
export function refusesTheRequest(error: unknown): error is ProviderError {
  return error instanceof ProviderError && !(error instanceof ManagedServerError) && REQUEST_REFUSAL_STATUSES.has(error.status);
}

/** The configuration files (or the environment they name) are invalid; `problems` lists every one, each naming its file and key. */
export class ConfigError extends McplocalError {
  readonly problems: string[];

  constructor(problems: string[], options: { cause?: unknown } = {}) {
    super(`mcplocal configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`, options);
    this.problems = problems;
  }
}

/** mcpd answered an exchange of the provider channel with an error status; the message carries `HTTP <status>` and mcpd's `error` text. */
export class McpdHttpError extends McplocalError {
  readonly status: number;
  /** What the refusal's `Retry-After` asked for, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, message: string, options: { cause?: unknown; retryAfterMs?: number | undefined } = {}) {
    super(message, options);
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * An answer of the local OpenAI-compatible endpoint that is not a success: its own refusals
 * (bad body, unknown model, body too large) and mcpd's answers to a forwarded request, passed on
 * with mcpd's status and words. `message` is what the caller reads in `{"error": …}`.
 */
export class LocalEndpointError extends McplocalError {
  readonly status: number;
  /** Sent as `Retry-After`: mcpd's advice passed on, or the wait after a failed wake. */
  readonly retryAfter: string | undefined;

  constructor(status: number, message: string, options: { cause?: unknown; retryAfter?: string | undefined } = {}) {
    super(message, options);
    this.status = status;
    this.retryAfter = options.retryAfter;
  }
}
