import { ApiClient } from './api-client.js';
import { mcpctlHome, resolveCredentials, type CliEnvironment } from './credentials.js';
import { Printer, type TextSink } from './printer.js';
import { requestTimeoutMs } from './request-timeout.js';

/** An output stream that may be a terminal (`process.stdout`/`stderr` are). */
export interface TerminalStream extends TextSink {
  isTTY?: boolean;
  rows?: number;
  columns?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** What the CLI touches of the outside world; `process` in production, buffers in tests. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TerminalStream;
  stderr: TerminalStream;
  env: CliEnvironment;
  /** Milliseconds since the epoch. */
  now?: () => number;
  fetch?: typeof fetch;
  /** Subscribes to Ctrl-C (SIGINT); returns the unsubscribe function. */
  onInterrupt?: (listener: () => void) => () => void;
}

/** Handed to every command. */
export interface CliContext {
  readonly io: CliIo;
  readonly env: CliEnvironment;
  readonly printer: Printer;
  /** `$MCPCTL_HOME` or `~/.mcpctl`. */
  readonly home: string;
  now: () => number;
  onInterrupt(listener: () => void): () => void;
  /** A client for the configured mcpd; fails with a login hint when there are no credentials. */
  api(): Promise<ApiClient>;
  /** A client for an explicit server and token (used by `login`). */
  apiFor(baseUrl: string, token: string): ApiClient;
}

export function createContext(io: CliIo): CliContext {
  const home = mcpctlHome(io.env);
  const apiFor = (baseUrl: string, token: string): ApiClient =>
    new ApiClient({ baseUrl, token, timeoutMs: requestTimeoutMs(io.env), ...(io.fetch === undefined ? {} : { fetch: io.fetch }) });
  let client: Promise<ApiClient> | undefined;
  return {
    io,
    env: io.env,
    printer: new Printer(io.stdout, io.stderr),
    home,
    now: io.now ?? Date.now,
    onInterrupt: io.onInterrupt ?? processInterrupts,
    api: () => {
      client ??= resolveCredentials(io.env, home).then((credentials) => apiFor(credentials.mcpdUrl, credentials.token));
      return client;
    },
    apiFor,
  };
}

function processInterrupts(listener: () => void): () => void {
  process.on('SIGINT', listener);
  return () => {
    process.off('SIGINT', listener);
  };
}
