import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { keepProcess, writeMcplocalHome, type StartedChild } from '@mcpctl/bench';
import type { McplocalConfig, ProviderEntry } from '@mcpctl/protocol';
import {
  makeTempDir,
  seedEmbeddedDataDir,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type FakeUpstreamListenOptions,
  type SpawnedMcpd,
} from '@mcpctl/test-kit';
import { describeError } from './chat-caller.js';
import { deadline } from './deadline.js';
import { FaultError } from './errors.js';
import type { FaultContext } from './fault-context.js';
import { FreezingTcpProxy, type FreezingTcpProxyOptions } from './freezing-tcp-proxy.js';
import { LogWatch } from './log-watch.js';

/** A running mcpd of a scenario; `restart` brings up a new process on the same port and data. */
export interface McpdUnderTest {
  url: string;
  port: number;
  token: string;
  process: ChildProcess;
  log: LogWatch;
  /** SIGTERM (or another signal) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** A new mcpd on the same port and data directory; resolves once it listens. */
  restart(): Promise<McpdUnderTest>;
}

/** A loaded two-core machine may take tens of seconds to start a process; the scenario's own limit still holds. */
const START_TIMEOUT_MS = 120_000;

/**
 * Hands a started child to the scenario's cleanup. A child that became ready only after the
 * scenario was stopped (its cleanup has run) is stopped here, so nothing outlives the suite.
 */
async function keep(context: FaultContext, name: string, started: StartedChild, detail: string): Promise<void> {
  keepProcess(context.cleanup, name, started, detail);
  if (!context.signal.aborted) return;
  await started.stop();
  throw new FaultError(`${name} started after the scenario was stopped`);
}

/** mcpd with its own embedded database, seeded already migrated (no initdb), and the given environment. */
export async function startMcpd(context: FaultContext, env: Record<string, string> = {}): Promise<McpdUnderTest> {
  const dataDir = await makeTempDir('mcpctl-faults-mcpd');
  context.cleanup.add(`remove ${dataDir.path}`, dataDir.cleanup);
  try {
    await seedEmbeddedDataDir(join(dataDir.path, 'pgdata'));
    context.signal.throwIfAborted();
  } catch (error) {
    // The cleanup may have run while the seed was writing: remove what the seed wrote after it.
    if (context.signal.aborted) await dataDir.cleanup();
    throw error;
  }
  const adopt = async (spawned: SpawnedMcpd): Promise<McpdUnderTest> => {
    await keep(context, 'mcpd', spawned, spawned.url);
    return {
      url: spawned.url,
      port: spawned.port,
      token: spawned.adminToken,
      process: spawned.process,
      log: new LogWatch(spawned.process.stdout!),
      stop: (signal) => spawned.stop(signal),
      restart: async () =>
        adopt(await spawnMcpd({ dataDir: dataDir.path, port: spawned.port, adminToken: spawned.adminToken, env, startTimeoutMs: START_TIMEOUT_MS })),
    };
  };
  try {
    return await adopt(await spawnMcpd({ dataDir: dataDir.path, env, startTimeoutMs: START_TIMEOUT_MS }));
  } catch (error) {
    // An mcpd that came up after the scenario was stopped was stopped by `keep`; its files go too.
    if (context.signal.aborted) await dataDir.cleanup();
    throw error;
  }
}

export interface McplocalUnderTest {
  process: ChildProcess;
  log: LogWatch;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface McplocalSetup {
  /** Where mcplocal finds mcpd: mcpd itself or a proxy in front of it. */
  mcpdUrl: string;
  token: string;
  config: McplocalConfig;
  env?: Record<string, string>;
}

/** mcplocal publishing `config`; resolves once its control stream is open. */
export async function startMcplocal(context: FaultContext, setup: McplocalSetup): Promise<McplocalUnderTest> {
  const home = await writeMcplocalHome(setup.config, { mcpdUrl: setup.mcpdUrl, token: setup.token }, context.cleanup);
  const spawned = await spawnMcplocal({ home, startTimeoutMs: START_TIMEOUT_MS, ...(setup.env ? { env: setup.env } : {}) });
  await keep(context, 'mcplocal', spawned, setup.mcpdUrl);
  return { process: spawned.process, log: new LogWatch(spawned.process.stdout!), stop: (signal) => spawned.stop(signal) };
}

/** The test kit's fake model server in this process, so a scenario can change its behaviour as it goes. */
export async function startUpstream(context: FaultContext, options: FakeUpstreamListenOptions = {}): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream({ recordRequests: true, ...options });
  context.cleanup.add(`stop the fake upstream at ${upstream.url}`, () => upstream.close());
  return upstream;
}

export async function startProxy(context: FaultContext, options: FreezingTcpProxyOptions): Promise<FreezingTcpProxy> {
  const proxy = await FreezingTcpProxy.start(options);
  context.cleanup.add(`close the proxy on port ${proxy.port}`, () => proxy.close());
  return proxy;
}

/** An OpenAI-compatible local provider published under `name`. */
export function publishedProvider(name: string, upstream: { url: string }, fields: Partial<ProviderEntry> = {}): ProviderEntry {
  return { name, type: 'openai', url: `${upstream.url}/v1`, model: 'fake-model', publish: true, visibility: 'private', ...fields };
}

/** Polls `GET /api/v1/llms/NAME` until its status is `wanted`; the instant it was seen, or undefined at the cap. */
export async function waitForStatus(
  mcpd: { url: string; token: string },
  name: string,
  wanted: string,
  options: { capMs: number; signal: AbortSignal; everyMs?: number },
): Promise<number | undefined> {
  const until = performance.now() + options.capMs;
  while (performance.now() < until && !options.signal.aborted) {
    if ((await llmStatus(mcpd, name)) === wanted) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 100));
  }
  return undefined;
}

/** The row's `status` as mcpd's registry shows it, or what went wrong asking. */
export async function llmStatus(mcpd: { url: string; token: string }, name: string): Promise<string> {
  const limit = deadline(5_000);
  try {
    const response = await fetch(`${mcpd.url}/api/v1/llms/${encodeURIComponent(name)}`, {
      headers: { authorization: `Bearer ${mcpd.token}` },
      signal: limit.signal,
    });
    if (!response.ok) return `HTTP ${response.status}`;
    const view = (await response.json()) as { status?: unknown };
    return String(view.status);
  } catch (error) {
    return `unreachable (${describeError(error)})`;
  } finally {
    limit.clear();
  }
}
