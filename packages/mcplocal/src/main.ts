#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import pino, { type Logger } from 'pino';
import { systemClock } from '@mcpctl/clock';
import { credentialsFile, LiveCredentials, loadMcplocalConfig, mcplocalHome, providerTransportMode, sessionFile, workstationIdentity } from './config/index.js';
import { createPublisher } from './create-publisher.js';
import { ConfigError, McpdUnreachableError, McplocalError } from './errors.js';
import { lockHome, type HomeLock } from './home-lock.js';
import { buildProviderRegistry } from './failover/build-provider-registry.js';
import type { ProviderRegistry } from './failover/provider-registry.js';
import { DEFAULT_LOCAL_ENDPOINT_HOST, startLocalEndpoint, type LocalEndpoint } from './local-endpoint/local-endpoint.js';
import type { LocalEndpointMcpd, LocalEndpointOptions } from './local-endpoint/local-endpoint-options.js';
import { ProviderSlots, type ProviderTurns } from './registrar/provider-slots.js';
import { loginHintFor } from './registrar/refusal-message.js';
import { isLoopbackHost } from './local-endpoint/request-guard.js';
import { providerEntry, providersToPublish } from './registrar/providers-to-publish.js';
import { localWakes, type LocalWakes, type WakeableProvider } from './wake/local-wakes.js';
import { RecipeWakeHandler } from './wake/recipe-wake-handler.js';
import { ManagedServers } from './managed/managed-servers.js';
import type { VirtualLlmRegistrar } from './registrar/virtual-llm-registrar.js';

const DEFAULT_PORT = 3200;
/** Longest a stop may take before mcplocal exits anyway: the servers' SIGKILL grace (10 s) and the tasks' and callers' few seconds, with room. */
const STOP_DEADLINE_MS = 30_000;
const LOG_IN_FIRST = 'run `mcpctl login --url URL --token -` first';

interface CommandLine {
  /** Port of the local OpenAI-compatible endpoint; 0 picks a free one. */
  port: number;
  /** Address it listens on; anything but loopback lends the user's token to the network. */
  host: string;
}

function parseCommandLine(argv: string[]): CommandLine {
  const program = new Command('mcplocal')
    .description('Publishes the local model servers of ~/.mcpctl/config.json into mcpd and serves the tasks mcpd relays for them.')
    .option('--port <port>', 'port of the local OpenAI-compatible endpoint (0: any free port)', parsePort, DEFAULT_PORT)
    .option(
      '--host <host>',
      'address of the local endpoint; it forwards with your mcpd token over plain HTTP, so anything but loopback is unsafe',
      DEFAULT_LOCAL_ENDPOINT_HOST,
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
  return program.opts<CommandLine>();
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('expected a port number between 0 and 65535');
  return port;
}

function createLogger(env: NodeJS.ProcessEnv): Logger {
  const level = env.MCPLOCAL_LOG_LEVEL || 'info';
  if (!(level in pino.levels.values)) {
    fail(2, `MCPLOCAL_LOG_LEVEL=${level} is not a log level; use one of ${Object.keys(pino.levels.values).join(', ')}`);
  }
  return pino({ level, base: { service: 'mcplocal' } }, stdoutUntilGone());
}

/**
 * stdout, written as each line comes, until it is gone. Once the terminal mcplocal ran in has
 * closed, every write to it fails (EIO), and sonic-boom retries a failed write forever when it
 * flushes (pino's default destination flushes at exit, `fatal` flushes too), which would keep the
 * stop a hangup begins from ever ending. Here the first failed write ends the logging, as pino
 * itself does for EPIPE, and the stop goes on without it.
 */
function stdoutUntilGone(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true });
  destination.on('error', () => {
    destination.write = () => true;
    destination.flushSync = () => undefined;
    destination.end = () => undefined;
    destination.destroy = () => undefined;
  });
  return destination;
}

/**
 * Ends the process by the hangup that stopped it, as a process without a handler would have ended
 * (status 129). Exiting normally instead runs Node's exit work, which on Node 20 aborts (and may
 * leave a core dump) when the terminal is gone: it restores the terminal's settings and asserts
 * that this worked (nodejs/node#58200 dropped the assertion). That work is skipped here, so the
 * lock is released first.
 */
function endByHangup(lock: HomeLock): void {
  lock.release();
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

function fail(exitCode: number, ...lines: string[]): never {
  for (const line of lines) process.stderr.write(`mcplocal: ${line}\n`);
  process.exit(exitCode);
}

/** Runs `work` with the process held open: the clock's timers are unref'd, and nothing else holds it open this early. */
async function heldOpen<T>(work: () => Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 60_000);
  try {
    return await work();
  } finally {
    clearInterval(hold);
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const commandLine = parseCommandLine(process.argv.slice(2));
  const logger = createLogger(env);
  const home = mcplocalHome(env);
  let registrar: VirtualLlmRegistrar | undefined;
  let servers: ManagedServers | undefined;
  let registry: ProviderRegistry;
  let wakes: LocalWakes;
  let turns: ProviderTurns;
  let wakeRecipes: RecipeWakeHandler | undefined;
  let mcpd: LocalEndpointMcpd | undefined;
  let credentials: LiveCredentials | undefined;
  let requireToken = true;
  let lock: HomeLock;
  try {
    lock = await lockHome(home);
  } catch (error) {
    // Exit 1, not 2: a supervisor trying again later starts once the other one has stopped.
    if (error instanceof McplocalError) fail(1, error.message);
    throw error;
  }
  // However it exits (a stop, a configuration refused, a crash), the lock goes with it.
  process.on('exit', () => lock.release());
  try {
    const { config, credentials: initial } = await loadMcplocalConfig(home, env);
    // Read again after a refused token and whenever the file changes: `mcpctl login` needs no restart.
    const live = initial && new LiveCredentials({ path: credentialsFile(home), initial, clock: systemClock, log: logger.child({ component: 'credentials' }) });
    credentials = live;
    mcpd = live && { url: live.mcpdUrl, token: () => live.token };
    requireToken = config.localEndpoint?.requireToken ?? true;
    // Every provider, published or not, is reachable through the local endpoint.
    const managed = new ManagedServers({ home, clock: systemClock, log: logger.child({ component: 'managed' }) });
    servers = managed;
    // Servers an earlier mcplocal left running (it was killed) hold the ports and the GPU: stopped first.
    await heldOpen(() => managed.stopOrphans());
    registry = buildProviderRegistry(config, env, systemClock, managed);
    // One count per provider for relayed tasks and the local endpoint's requests alike.
    const slots = new ProviderSlots(new Map(config.providers.map((entry) => [entry.name, entry.maxConcurrent])));
    turns = (providerName, signal) => slots.acquire(providerName, signal);
    const identity = workstationIdentity(env);
    const published = providersToPublish(config, env, identity, systemClock, managed);
    // One wake handler for mcpd's wakes and the local endpoint's: a recipe runs once for both.
    const wakeHandler = new RecipeWakeHandler({ log: logger.child({ component: 'registrar' }), clock: systemClock });
    wakeRecipes = wakeHandler;
    const wakeable = config.providers
      .filter((configured) => configured.wake !== undefined)
      .map((configured): WakeableProvider => {
        const shared = published.find((entry) => entry.provider.name === configured.name);
        return { name: configured.name, entry: shared ?? providerEntry(configured, config, env, identity, systemClock, managed), published: shared !== undefined };
      });
    // A published provider's wake goes through the registrar, whose sleep watch must hear of it.
    wakes = localWakes(wakeable, (request, isPublished) => (isPublished && registrar ? registrar.wake(request) : wakeHandler.wake(request)));
    if (published.length === 0) {
      logger.info('nothing to publish: no provider in config.json has "publish": true');
    } else {
      if (!live) {
        // mcpctl takes its login from the environment too; mcplocal, a daemon, reads the file only.
        const fromEnv = env.MCPCTL_URL !== undefined || env.MCPCTL_TOKEN !== undefined ? ' (MCPCTL_URL and MCPCTL_TOKEN are read by mcpctl only)' : '';
        fail(2, `not logged in: ${published.length} provider(s) to publish but no credentials in ${home}${fromEnv}; ${LOG_IN_FIRST}`);
      }
      const log = logger.child({ component: 'registrar' });
      const mode = providerTransportMode(config, env);
      const created = createPublisher({
        live,
        mode,
        clock: systemClock,
        publishedProviders: published,
        publishedAgents: config.agents,
        sessionFilePath: sessionFile(home),
        wakeHandler,
        slots,
        loginHint: loginHintFor(home),
        log,
      });
      // mcpd hears at once that a managed server stopped (its row hibernates) or serves.
      managed.onStateChange(() => created.beatSoon());
      registrar = created;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      // The problems name config.json and credentials by name; where they are is said once, after them.
      const where = error.problems.some((problem) => problem.includes(home)) ? [] : [`(config.json and credentials are read from ${home}; MCPCTL_HOME moves them)`];
      fail(2, ...error.problems, ...where);
    }
    // The registrar refuses a set it cannot publish (two providers under one name) when it is built.
    if (error instanceof McplocalError) fail(2, error.message);
    throw error;
  }
  const endpoint = await listen({ registry, wakes, turns, mcpd, requireToken }, commandLine, logger);
  credentials?.watch();

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A repeat is no reason to cut the stop short: Ctrl-C under `npx` arrives twice, from the
    // terminal and passed on by npm. The deadline below ends a stop that hangs.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    credentials?.stop();
    // A stop that hangs (a server that never exits, a write that never drains) must not keep
    // mcplocal, and after a hangup nobody is left to send another signal.
    setTimeout(() => {
      logger.error(`the stop took longer than ${STOP_DEADLINE_MS / 1000} s; exiting without waiting for the rest`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    // Held open: once the endpoint and the connection to mcpd are closed and a model server has
    // exited, nothing else keeps the process alive through the rest of the stop, whose waits run on
    // unref'd timers, and the pid files and the servers' logs are written at its end.
    void heldOpen(async () => {
      // The model servers stop after the tasks they serve were ended, and whatever else failed.
      const settled = await Promise.allSettled([registrar?.stop(), endpoint.close()]);
      // A wake command a local caller started is killed when its callers leave; wait for it to be gone.
      await wakeRecipes?.idle();
      await servers?.stopAll().catch((error: unknown) => settled.push({ status: 'rejected', reason: error }));
      const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      for (const error of failures) logger.error({ err: error }, 'stopping failed');
      if (signal === 'SIGHUP') endByHangup(lock);
      else process.exit(failures.length > 0 ? 1 : 0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The terminal it ran in closed (or the ssh session dropped): the model servers, started in
  // their own process groups, would outlive it holding the GPU and their ports.
  process.on('SIGHUP', stop);

  // With nothing to publish the local endpoint alone keeps the process running.
  if (!registrar) return;
  try {
    await registrar.start();
  } catch (error) {
    if (stopping) return;
    const reason = error instanceof Error ? error.message : String(error);
    // Once up it reconnects by itself; the first registration is not retried, so say what to check.
    const unreachable = error instanceof McpdUnreachableError ? '; check that mcpd runs there (the URL is the one mcpctl login saved), then start mcplocal again' : '';
    const message = `cannot publish to mcpd: ${reason}${unreachable}`;
    logger.error(message);
    // A request on the local endpoint may have started a model server meanwhile.
    await servers?.stopAll();
    fail(1, message);
  }
}

async function listen(
  serving: Pick<LocalEndpointOptions, 'registry' | 'wakes' | 'turns' | 'mcpd' | 'requireToken'>,
  commandLine: CommandLine,
  logger: Logger,
): Promise<LocalEndpoint> {
  const { requireToken } = serving;
  let endpoint: LocalEndpoint;
  try {
    endpoint = await startLocalEndpoint({
      ...serving,
      host: commandLine.host,
      port: commandLine.port,
      clock: systemClock,
      log: logger.child({ component: 'local-endpoint' }),
    });
  } catch (error) {
    fail(1, error instanceof Error ? error.message : String(error));
  }
  logger.info({ url: endpoint.url, requireToken }, 'local endpoint listening');
  if (!requireToken) logger.warn('the local endpoint requires no token ("localEndpoint": {"requireToken": false}): every account on this machine acts as you');
  if (!requireToken && !isLoopbackHost(commandLine.host)) {
    logger.warn({ host: commandLine.host }, 'the local endpoint listens beyond loopback without requiring a token: it lends your mcpd token to the network');
  } else if (!isLoopbackHost(commandLine.host)) {
    logger.warn({ host: commandLine.host }, 'the local endpoint listens beyond loopback: it answers plain HTTP, so your token crosses the network unencrypted');
  }
  return endpoint;
}

await main();
