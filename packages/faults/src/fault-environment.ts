import type { ChildProcess } from 'node:child_process';
import { keepProcess, writeMcplocalHome } from '@mcpctl/bench';
import type { McplocalConfig, ProviderEntry } from '@mcpctl/protocol';
import {
  makeTempDir,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type FakeUpstreamListenOptions,
  type SpawnedMcpd,
} from '@mcpctl/test-kit';
import { describeError } from './chat-caller.js';
import { deadline } from './deadline.js';
import type { FaultContext } from './fault-context.js';
import { FreezingTcpProxy, type FreezingTcpProxyOptions } from './freezing-tcp-proxy.js';
import { LogWatch } from './log-watch.js';
import { mcpdDataTemplate } from './mcpd-data-template.js';

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

/** mcpd with its own embedded database (a copy of the suite's initialised one) and the given environment. */
export async function startMcpd(context: FaultContext, env: Record<string, string> = {}): Promise<McpdUnderTest> {
  const template = await mcpdDataTemplate();
  const dataDir = await makeTempDir('mcpctl-faults-mcpd');
  context.cleanup.add(`remove ${dataDir.path}`, dataDir.cleanup);
  await template.copyTo(dataDir.path);
  const adopt = (spawned: SpawnedMcpd): McpdUnderTest => {
    keepProcess(context.cleanup, 'mcpd', spawned, spawned.url);
    return {
      url: spawned.url,
      port: spawned.port,
      token: spawned.adminToken,
      process: spawned.process,
      log: new LogWatch(spawned.process.stdout!),
      stop: (signal) => spawned.stop(signal),
      restart: async () => adopt(await spawnMcpd({ dataDir: dataDir.path, port: spawned.port, adminToken: spawned.adminToken, env })),
    };
  };
  return adopt(await spawnMcpd({ dataDir: dataDir.path, adminToken: template.adminToken, env }));
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
  const spawned = await spawnMcplocal({ home, ...(setup.env ? { env: setup.env } : {}) });
  keepProcess(context.cleanup, 'mcplocal', spawned, setup.mcpdUrl);
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
