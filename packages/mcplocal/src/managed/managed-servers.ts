import { join } from 'node:path';
import type { Clock } from '@mcpctl/clock';
import type { ProviderEntry } from '@mcpctl/protocol';
import type { LlmProvider } from '../providers/llm-provider.js';
import type { RegistrarLog } from '../registrar/registrar-options.js';
import { addressOf, managedCommand, workingDirOf } from './managed-command.js';
import { ManagedServer } from './managed-server.js';
import { stopOrphans } from './pid-file.js';
import { ServerGroup } from './server-group.js';
import { ServerLog } from './server-log.js';

export const DEFAULT_IDLE_TIMEOUT_SECONDS = 600;
export const DEFAULT_STARTUP_TIMEOUT_SECONDS = 300;
const DEFAULT_KILL_GRACE_MS = 10_000;

export interface ManagedServersOptions {
  /** MCPCTL_HOME: servers log to `logs/NAME.log` and leave `run/NAME.pid` while they run. */
  home: string;
  clock: Clock;
  log: RegistrarLog;
  /** How long a server has to exit after SIGTERM before SIGKILL. Default 10 s. */
  killGraceMs?: number | undefined;
  /** The environment servers inherit. Default: mcplocal's own. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Readiness polling's first pause (default 250 ms). */
  pollInitialDelayMs?: number | undefined;
}

/**
 * The model servers of one mcplocal's managed entries, one per entry whichever path asks for it
 * (a relayed task, the local endpoint, a failover), with the groups they share.
 */
export class ManagedServers {
  readonly #servers = new Map<string, ManagedServer>();
  readonly #groups = new Map<string, ServerGroup>();
  readonly #listeners = new Set<() => void>();

  constructor(private readonly options: ManagedServersOptions) {}

  /** The server of a managed entry; `provider` is how it is probed (built once, at the first call). */
  serverFor(entry: ProviderEntry, provider: LlmProvider): ManagedServer {
    const known = this.#servers.get(entry.name);
    if (known) return known;
    const { command, args } = managedCommand(entry);
    const { host, port } = addressOf(entry.url);
    const { clock, log } = this.options;
    const server = new ManagedServer({
      name: entry.name,
      command,
      args,
      env: entry.env,
      cwd: workingDirOf(entry),
      provider,
      address: { host, port: Number(port) },
      idleTimeoutMs: (entry.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
      startupTimeoutMs: (entry.startupTimeoutSeconds ?? DEFAULT_STARTUP_TIMEOUT_SECONDS) * 1000,
      killGraceMs: this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      group: entry.group === undefined ? undefined : this.#group(entry.group),
      serverLog: new ServerLog(this.#logPath(entry.name)),
      pidFilePath: join(this.runDir, `${entry.name}.pid`),
      clock,
      log,
      onStateChange: () => {
        for (const listener of this.#listeners) listener();
      },
      baseEnv: this.options.env,
      pollInitialDelayMs: this.options.pollInitialDelayMs,
    });
    this.#servers.set(entry.name, server);
    return server;
  }

  /** Where running servers leave their pid files. */
  get runDir(): string {
    return join(this.options.home, 'run');
  }

  get all(): ManagedServer[] {
    return [...this.#servers.values()];
  }

  /** Called whenever a server starts serving or stops. */
  onStateChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** Stops servers an earlier mcplocal left running (it was killed); logs each. */
  async stopOrphans(): Promise<void> {
    const { clock, log } = this.options;
    const graceMs = this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const stopped = await stopOrphans(this.runDir, clock, graceMs, (name, pid) =>
      log.info(`stopping ${name} (pid ${pid}), a managed server an earlier mcplocal left running; it has ${graceMs / 1000} s to exit`),
    );
    for (const { name, pid, killed } of stopped) {
      const how = killed ? `killed ${name} (pid ${pid}): it did not exit within ${graceMs / 1000} s of SIGTERM` : `stopped ${name} (pid ${pid})`;
      log.warn(`${how}, a managed server an earlier mcplocal left running`);
      const serverLog = new ServerLog(this.#logPath(name));
      serverLog.note(`${killed ? 'killed' : 'stopped'} pid ${pid} (an earlier mcplocal, since gone, left it running)`, clock.now());
      await serverLog.close();
    }
  }

  /** Stops every server (mcplocal stops). */
  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((server) => server.close()));
  }

  #logPath(name: string): string {
    return join(this.options.home, 'logs', `${name}.log`);
  }

  #group(name: string): ServerGroup {
    const known = this.#groups.get(name);
    if (known) return known;
    const group = new ServerGroup(name);
    this.#groups.set(name, group);
    return group;
  }
}
