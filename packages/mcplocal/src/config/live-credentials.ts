import { stat } from 'node:fs/promises';
import { every, systemClock, type Cancel, type Clock } from '@mcpctl/clock';
import type { CredentialsFile } from '@mcpctl/protocol';
import { readCredentials } from './read-credentials.js';

/** `mcpctl login` is picked up within this long, whatever the publisher is doing. */
const DEFAULT_POLL_MS = 2_000;

/** Where the credentials' lines go; one line each, so a pino logger and a plain test object both fit. */
export interface CredentialsLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LiveCredentialsOptions {
  /** `$MCPCTL_HOME/credentials`. */
  path: string;
  /** What was read at start. Its mcpd URL is the one mcplocal talks to until it restarts. */
  initial: CredentialsFile;
  log: CredentialsLog;
  /** Times the polls. Default: the system clock. */
  clock?: Clock | undefined;
  /** How often {@link LiveCredentials.watch} looks at the file (a `stat`; it is read only when that changed). Default 2 000. */
  pollMs?: number | undefined;
}

/**
 * The token of `credentials` as the file holds it now, for a long-running mcplocal: `mcpctl login`
 * writes a new one when mcpd refused the old (revoked, expired), and mcplocal takes it without a
 * restart (the provider session through `PublisherCredentials`, once it knows whose it is). The
 * file is read again on {@link reload} (the publisher asks before each attempt that follows a
 * refused token) and whenever {@link watch}'s poll sees it changed. A file gone, invalid or
 * readable by others is logged once and the token held is kept; so is one naming another mcpd,
 * whose token must not be sent to this one. It is the registrar's `RefreshableCredentials`.
 */
export class LiveCredentials {
  /** mcpd's base URL, as read at start. */
  readonly mcpdUrl: string;
  private readonly path: string;
  private readonly log: CredentialsLog;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly listeners = new Set<() => void>();
  #token: string;
  #generation = 0;
  /** The file's identity, size, mode and times at the last read; undefined before the first, or after a read it changed under. */
  #fileStamp: string | undefined;
  /** The problem last logged, so a file that stays broken is not logged at every read. */
  #problem: string | undefined;
  /** Reads run one after another, so an older one never overwrites what a newer one found. */
  #reads: Promise<void> = Promise.resolve();
  #stopPolling: Cancel | undefined;

  constructor(options: LiveCredentialsOptions) {
    this.path = options.path;
    this.mcpdUrl = options.initial.mcpdUrl;
    this.#token = options.initial.token;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** The token to present now. */
  get token(): string {
    return this.#token;
  }

  /** How many times the token changed since start. */
  get generation(): number {
    return this.#generation;
  }

  /** Calls `listener` each time a read finds a new token; the answer stops that. */
  onChange(listener: () => void): Cancel {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the file now; resolves once the token is what the file holds (or, when it cannot be used, what was held). Never rejects. */
  reload(): Promise<void> {
    this.#reads = this.#reads.then(() => this.read());
    return this.#reads;
  }

  /** Polls the file until {@link stop}: a stat each round, a read only when it changed. */
  watch(): void {
    this.#stopPolling ??= every(this.clock, this.pollMs, () => this.poll());
  }

  stop(): void {
    this.#stopPolling?.();
    this.#stopPolling = undefined;
  }

  private async poll(): Promise<void> {
    if ((await stampOf(this.path)) !== this.#fileStamp) await this.reload();
  }

  private async read(): Promise<void> {
    const before = await stampOf(this.path);
    let found: Awaited<ReturnType<typeof readCredentials>>;
    try {
      found = await readCredentials(this.path);
    } catch (error) {
      // Removed between the read and the check of its mode, say.
      found = { credentials: undefined, problems: [`credentials: cannot read ${this.path}: ${error instanceof Error ? error.message : String(error)}`] };
    }
    const after = await stampOf(this.path);
    // Written while it was read (`mcpctl login` truncates, then writes): the next poll reads it whole.
    this.#fileStamp = before === after ? after : undefined;
    const { credentials, problems } = found;
    if (!credentials) {
      if (before !== after) return;
      const what = problems.length > 0 ? problems.join('; ') : `credentials: ${this.path} is gone`;
      return this.problem('warn', `${what}; mcplocal keeps the token it read before (run \`mcpctl login\` to write a new one)`);
    }
    if (baseUrl(credentials.mcpdUrl) !== baseUrl(this.mcpdUrl)) {
      return this.problem(
        'error',
        `credentials: ${this.path} now names mcpd at ${credentials.mcpdUrl}, but mcplocal publishes to ${this.mcpdUrl}: it keeps the token it read for that one; restart mcplocal to use the new login`,
      );
    }
    this.#problem = undefined;
    if (credentials.token === this.#token) return;
    this.#token = credentials.token;
    this.#generation += 1;
    this.log.info(`credentials: read a new token from ${this.path}; the local endpoint uses it from its next request`);
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        // One listener failing must not keep the token from the others, nor stop later reads.
        this.log.error(`credentials: acting on the new token failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private problem(level: 'warn' | 'error', message: string): void {
    if (message === this.#problem) return;
    this.#problem = message;
    this.log[level](message);
  }
}

/** What changes when the file is written, replaced or chmod'ed; `missing` when there is none. */
async function stampOf(path: string): Promise<string> {
  try {
    const { ino, size, mode, mtimeMs, ctimeMs } = await stat(path);
    return `${ino}:${size}:${mode}:${mtimeMs}:${ctimeMs}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
}

/** The same mcpd however it is spelt: `HTTP://Host:3100/` is `http://host:3100`. */
function baseUrl(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url.replace(/\/+$/, '');
  }
}
