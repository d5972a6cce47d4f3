import { spawn, type ChildProcess } from 'node:child_process';
import { deadlineSignal, raced, type Cancel, type Clock } from '@mcpctl/clock';
import { ManagedServerError } from '../errors.js';
import type { LlmProvider } from '../providers/llm-provider.js';
import type { RegistrarLog } from '../registrar/registrar-options.js';
import { FAILED_WAKE_RETRY_AFTER_SECONDS } from '../wake/backend-asleep.js';
import { formatSeconds } from '../wake/format-seconds.js';
import { waitUntilAvailable } from '../wake/wait-until-available.js';
import { removePidFile, stopGroup, writePidFile } from './pid-file.js';
import type { ServerGroup } from './server-group.js';
import type { ServerLog } from './server-log.js';
import { acceptsConnections } from './accepts-connections.js';

export type ManagedState = 'stopped' | 'starting' | 'running' | 'stopping';

/** Why a server starts or stops, written to its log and mcplocal's. */
export type StartReason = 'request' | 'wake';
export type StopReason = 'idle' | 'swap' | 'shutdown';

/** Crashes within {@link CRASH_WINDOW_MS} past which starts are refused until the window has passed. */
export const CRASH_LIMIT = 3;
export const CRASH_WINDOW_MS = 60_000;
/**
 * How long a server a wake started stays up for the callers mcpd held for it: they arrive one
 * round trip after the wake's answer, and a group swap must not stop the server before then.
 */
export const WAKE_HOLD_MS = 30_000;
/** Lines of the server's log a local caller is shown when it cannot start. */
const LOG_TAIL_LINES = 10;

export interface ManagedServerOptions {
  /** The provider entry's name: logs and the pid file are named after it. */
  name: string;
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>> | undefined;
  cwd?: string | undefined;
  /** The OpenAI-compatible server it runs, probed (`GET /models`) until it answers. */
  provider: LlmProvider;
  /** Where it listens (the host and port of its url): a port another program holds is refused before a start. */
  address: { host: string; port: number };
  idleTimeoutMs: number;
  startupTimeoutMs: number;
  /** How long the server has to exit after SIGTERM before SIGKILL. */
  killGraceMs: number;
  /** Set when the entry names a `group`: its members run one at a time. */
  group?: ServerGroup | undefined;
  serverLog: ServerLog;
  pidFilePath: string;
  clock: Clock;
  log: RegistrarLog;
  /** Told each time the server starts serving or stops, so mcpd hears of it. */
  onStateChange?: (() => void) | undefined;
  /** The environment the server inherits, `env` laid over it. Default: mcplocal's own. */
  baseEnv?: NodeJS.ProcessEnv | undefined;
  /** Readiness polling pauses (see `waitUntilAvailable`). */
  pollInitialDelayMs?: number | undefined;
}

/**
 * A model server mcplocal runs as its child (SPEC §6, type `managed`): stopped until a request
 * or a wake needs it, started once however many ask at the same time, stopped after
 * `idleTimeoutMs` without a request, and started again on demand. A server that exits on its own
 * has crashed: the next request starts it again, unless it crashed {@link CRASH_LIMIT} times within
 * a minute, when requests are refused (503) until that minute has passed. It runs in a process
 * group of its own, so stopping it stops whatever it started (vLLM's workers).
 */
export class ManagedServer {
  #state: ManagedState = 'stopped';
  #child: ChildProcess | undefined;
  /** Settles when the running child has exited. */
  #exited: Promise<void> = Promise.resolve();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #leases = 0;
  #idle: Cancel | undefined;
  /** Settles once the process group of a server that crashed is gone. */
  #groupGone: Promise<void> = Promise.resolve();
  /** Set while the group wants this server stopped for another: new requests wait for the swap. */
  #draining = false;
  #drained: (() => void) | undefined;
  /** The swap under way, if any: waited for by requests that arrive meanwhile. */
  #swap: Promise<void> | undefined;
  readonly #crashes: number[] = [];
  #lastStartMs: number | undefined;
  /** Set after a wake started the server, until the first request it was woken for has ended. */
  #wakeHold: { ended: Promise<void>; end: () => void } | undefined;
  /** mcplocal is stopping: nothing starts any more. */
  #closed = false;
  /** Ends the wait of a start under way (mcplocal stops). */
  #abortStart: (() => void) | undefined;
  /** Why the last child could not be run at all (`ENOENT`), for its exit message. */
  #spawnError: string | undefined;
  /** Writes and removals of the pid file, in the order the children started and exited. */
  #pidFile: Promise<void> = Promise.resolve();

  constructor(private readonly options: ManagedServerOptions) {}

  get name(): string {
    return this.options.name;
  }

  get state(): ManagedState {
    return this.#state;
  }

  /** Requests being served now. */
  get leases(): number {
    return this.#leases;
  }

  /** How long a start may take. */
  get startupTimeoutMs(): number {
    return this.options.startupTimeoutMs;
  }

  /** How long the last start took, in ms. */
  get lastStartMs(): number | undefined {
    return this.#lastStartMs;
  }

  /** Serving now, with nothing asking it to stop. */
  get serving(): boolean {
    return this.#state === 'running' && !this.#draining;
  }

  /**
   * Starts the server unless it serves already, and resolves once it answers. Callers at the same
   * time share one start; a caller whose signal aborts stops waiting, the start goes on.
   */
  async start(reason: StartReason, signal: AbortSignal): Promise<{ ms: number }> {
    const startedAt = this.options.clock.monotonic();
    while (!this.serving) {
      signal.throwIfAborted();
      if (this.#swap ?? this.#stopping) await raced(this.#stopped(), signal);
      else {
        this.#starting ??= this.#start(reason).finally(() => (this.#starting = undefined));
        await raced(this.#starting, signal);
      }
    }
    if (reason === 'wake') this.#holdForWake();
    return { ms: Math.round(this.options.clock.monotonic() - startedAt) };
  }

  /** mcplocal stops: nothing starts from now on, and the server stops once a start under way has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abortStart?.();
    await this.#starting?.catch(() => undefined);
    await this.stop('shutdown');
    // A server that crashed just before leaves its pid file's write and removal under way: a
    // closed mcplocal leaves no file behind it, nor one written after it returned.
    await this.#pidFile;
    // mcplocal exits next: its last line ("stopped (shutdown)") reaches the file first.
    await this.options.serverLog.close();
  }

  /**
   * A request's hold on the server: starts it when it is not serving, and keeps it from going
   * idle until the hold is released.
   */
  async lease(signal: AbortSignal): Promise<() => void> {
    await this.start('request', signal);
    // Took the turn of nothing that could stop it between the start and now: same tick.
    this.#leases += 1;
    this.#idle?.();
    this.#idle = undefined;
    const wakeHold = this.#wakeHold;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      wakeHold?.end();
      this.#leases -= 1;
      if (this.#leases > 0) return;
      if (this.#drained) this.#drained();
      else this.#armIdle();
    };
  }

  /**
   * Stops the server once its requests have ended, for another member of its group; new requests
   * wait until it is stopped, then start it again in their turn.
   */
  drainAndStop(): Promise<void> {
    if (this.#state === 'stopped') return Promise.resolve();
    this.#swap ??= this.#drainAndStop().finally(() => (this.#swap = undefined));
    return this.#swap;
  }

  async #drainAndStop(): Promise<void> {
    // Each start serves someone: the callers a wake was for (they come a round trip later), and
    // the requests that were waiting here for the start, take their hold first.
    await this.#wakeHold?.ended;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#draining = true;
    try {
      if (this.#leases > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
      await this.stop('swap');
    } finally {
      this.#draining = false;
    }
  }

  /** SIGTERM to its process group, SIGKILL after the grace; resolves once it has exited. */
  stop(reason: StopReason): Promise<void> {
    if (this.#state === 'stopped') return Promise.resolve();
    this.#stopping ??= this.#stop(reason).finally(() => (this.#stopping = undefined));
    return this.#stopping;
  }

  #start(reason: StartReason): Promise<void> {
    const { group } = this.options;
    this.#refuseWhenClosed();
    this.#refuseWhileCrashing();
    // Members of a group start one at a time, each after the one running has drained and stopped.
    if (group) return group.startAlone(this, () => this.#launch(reason));
    return this.#launch(reason);
  }

  async #launch(reason: StartReason): Promise<void> {
    const { clock, name } = this.options;
    // A group's turn may come after mcplocal began to stop.
    this.#refuseWhenClosed();
    // A crashed server's workers may still hold the port: they are this server's, not another program.
    await this.#groupGone;
    // Another program on the port would pass the readiness probe in this server's place, or make
    // the server die of EADDRINUSE, said only in its log.
    const { host, port } = this.options.address;
    if (await acceptsConnections(host, port)) {
      throw new ManagedServerError(`${name}: something else already listens on its port, at ${host}:${port}; stop that program, or give ${name} another port in its url`);
    }
    const startedAt = clock.monotonic();
    this.#state = 'starting';
    const child = this.#spawn(reason);
    const deadline = deadlineSignal(clock, this.options.startupTimeoutMs);
    // mcplocal stopping ends the wait at once: a model loading for minutes is no reason to linger.
    const closing = new AbortController();
    this.#abortStart = () => closing.abort();
    const exit = this.#exited.then(() => {
      // A failed wake like any other: a client that retries by itself (the openai SDKs retry a 503
      // twice) waits, rather than loading the model again at once and using up the crash allowance
      // for everyone. The next request still starts it again, until it has crashed too often.
      throw new ManagedServerError(`${name}'s model server exited while starting${this.#exitDetail(child)}`, {
        retryAfterSeconds: FAILED_WAKE_RETRY_AFTER_SECONDS,
        logTail: this.#logTail(),
      });
    });
    try {
      await Promise.race([
        waitUntilAvailable(this.options.provider, { signal: AbortSignal.any([deadline.signal, closing.signal]), clock, initialDelayMs: this.options.pollInitialDelayMs }),
        exit,
      ]);
    } catch (error) {
      if (this.#child === child) {
        const why = closing.signal.aborted ? 'mcplocal is stopping' : deadline.signal.aborted ? `not answering after ${formatSeconds(this.options.startupTimeoutMs)}` : 'it exited';
        this.#note(`gave up starting: ${why}`);
        await this.#stop('shutdown', true);
        // "shutdown" only when mcplocal stops; otherwise the line before says why.
        this.#note(closing.signal.aborted ? 'stopped (shutdown)' : 'stopped');
      }
      if (closing.signal.aborted) throw new ManagedServerError(`${name}: mcplocal is stopping`, { cause: error });
      if (deadline.signal.aborted) {
        throw new ManagedServerError(`${name}'s model server did not answer within ${formatSeconds(this.options.startupTimeoutMs)} of its start`, { cause: error, logTail: this.#logTail() });
      }
      throw error;
    } finally {
      deadline.clear();
      this.#abortStart = undefined;
      exit.catch(() => undefined);
    }
    this.#lastStartMs = Math.round(clock.monotonic() - startedAt);
    this.#state = 'running';
    // Before the group's next turn can drain it: that turn runs as soon as this start resolves.
    if (reason === 'wake') this.#holdForWake();
    this.#note(`serving after ${this.#lastStartMs} ms`);
    this.options.log.info(`${name}: the managed server serves after ${this.#lastStartMs} ms`);
    this.#armIdle();
    this.options.onStateChange?.();
  }

  #spawn(reason: StartReason): ChildProcess {
    const { command, args, cwd, name } = this.options;
    this.#note(`starting (${reason}): ${command} ${args.join(' ')}`);
    this.options.log.info(`${name}: starting the managed server (${reason})`);
    const child = spawn(command, [...args], {
      cwd,
      env: { ...(this.options.baseEnv ?? process.env), ...this.options.env },
      // A group of its own: stopping it reaches the workers it starts, and a Ctrl-C meant for mcplocal does not.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#spawnError = undefined;
    child.stdout?.on('data', (data: Buffer) => this.options.serverLog.write(data));
    child.stderr?.on('data', (data: Buffer) => this.options.serverLog.write(data));
    this.#exited = new Promise<void>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        this.#note(`cannot run ${command}: ${error.message}`);
        this.#spawnError = error.code ?? error.message;
        resolve();
      });
      child.once('exit', () => resolve());
    });
    void this.#exited.then(() => this.#onExit(child));
    if (child.pid !== undefined) {
      const pid = child.pid;
      this.#pidFile = this.#pidFile.then(() =>
        writePidFile(this.options.pidFilePath, pid, command).catch((error: unknown) => {
          this.options.log.warn(`${name}: cannot write the pid file ${this.options.pidFilePath}: ${(error as Error).message}`);
        }),
      );
    }
    return child;
  }

  /** The child exited: asked to (a stop under way), or on its own (a crash). */
  #onExit(child: ChildProcess): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    void this.#removePidFile();
    if (this.#state === 'stopping') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopped';
    this.options.group?.stopped(this);
    this.#idle?.();
    this.#idle = undefined;
    this.#crashes.push(this.options.clock.monotonic());
    // Workers the server started may outlive it, holding the GPU (and the port): its group goes
    // too, and the next start waits for that.
    if (child.pid !== undefined) this.#groupGone = stopGroup(child.pid, this.options.clock, this.options.killGraceMs).then(() => undefined);
    this.#note(`exited on its own${this.#exitDetail(child)}; it starts again on the next request`);
    this.options.log.warn(`${this.options.name}: the managed server exited on its own${this.#exitDetail(child)}; see ${this.options.serverLog.path}`);
    if (wasRunning) this.options.onStateChange?.();
  }

  async #stop(reason: StopReason, quiet = false): Promise<void> {
    const child = this.#child;
    this.#wakeHold?.end();
    this.#idle?.();
    this.#idle = undefined;
    if (!child || child.pid === undefined) {
      this.#state = 'stopped';
      this.options.group?.stopped(this);
      return;
    }
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    if (!quiet) {
      this.#note(`stopping (${reason})`);
      this.options.log.info(`${this.options.name}: stopping the managed server (${reason})`);
    }
    if (await stopGroup(child.pid, this.options.clock, this.options.killGraceMs)) {
      const grace = `${this.options.killGraceMs / 1000} s`;
      this.#note(`did not exit within ${grace} of SIGTERM: killed`);
      this.options.log.warn(`${this.options.name}: the managed server did not exit within ${grace} of SIGTERM; killed it`);
    }
    await this.#exited;
    this.#child = undefined;
    await this.#removePidFile();
    this.#state = 'stopped';
    this.options.group?.stopped(this);
    if (!quiet) this.#note(`stopped (${reason})`);
    if (wasRunning) this.options.onStateChange?.();
  }

  /**
   * Removes the pid file after its write (a server that exits at once leaves none behind) and
   * before the next start's write (which it must not remove): one chain orders them.
   */
  #removePidFile(): Promise<void> {
    this.#pidFile = this.#pidFile.then(() => removePidFile(this.options.pidFilePath).catch(() => undefined));
    return this.#pidFile;
  }

  #armIdle(): void {
    this.#idle?.();
    if (this.#leases > 0 || this.#state !== 'running') return;
    this.#idle = this.options.clock.after(this.options.idleTimeoutMs, () => {
      this.#idle = undefined;
      if (this.#leases === 0) void this.stop('idle').catch((error: unknown) => this.options.log.warn(`${this.options.name}: stopping failed: ${(error as Error).message}`));
    });
  }

  #refuseWhenClosed(): void {
    if (this.#closed) throw new ManagedServerError(`${this.options.name}: mcplocal is stopping`);
  }

  /** Keeps a swap from stopping the server before the callers the wake was for arrive (see {@link WAKE_HOLD_MS}). */
  #holdForWake(): void {
    if (this.#wakeHold) return;
    let resolve!: () => void;
    const ended = new Promise<void>((settle) => (resolve = settle));
    const end = () => {
      cancel();
      if (this.#wakeHold === hold) this.#wakeHold = undefined;
      resolve();
    };
    const cancel = this.options.clock.after(WAKE_HOLD_MS, end);
    const hold = { ended, end };
    this.#wakeHold = hold;
  }

  #refuseWhileCrashing(): void {
    const now = this.options.clock.monotonic();
    while (this.#crashes.length > 0 && now - this.#crashes[0]! > CRASH_WINDOW_MS) this.#crashes.shift();
    if (this.#crashes.length >= CRASH_LIMIT) {
      const againInMs = CRASH_WINDOW_MS - (now - this.#crashes[0]!);
      const againInSeconds = Math.ceil(againInMs / 1000);
      throw new ManagedServerError(
        `${this.options.name}'s model server keeps crashing (${this.#crashes.length} times within a minute); mcplocal starts it again in ${againInSeconds} s`,
        { retryAfterSeconds: againInSeconds, logTail: this.#logTail() },
      );
    }
  }

  /** Resolves once the server is stopped (and no swap holds it). */
  async #stopped(): Promise<void> {
    while (this.#swap ?? this.#stopping) await (this.#swap ?? this.#stopping);
  }

  #exitDetail(child: ChildProcess): string {
    // The code alone: the command may be a path, and this message may reach mcpd.
    if (this.#spawnError !== undefined) return ` (it could not be run: ${this.#spawnError})`;
    if (child.exitCode !== null) return ` (exit code ${child.exitCode})`;
    if (child.signalCode !== null) return ` (signal ${child.signalCode})`;
    return '';
  }

  /** The end of the server's log, for the local endpoint's answer. */
  #logTail(): string {
    return `${this.options.serverLog.path} ends:\n${this.options.serverLog.tail(LOG_TAIL_LINES).join('\n')}`;
  }

  #note(line: string): void {
    this.options.serverLog.note(line, this.options.clock.now());
  }
}
