import type { ProviderEntry, ProviderTransport } from '@mcpctl/protocol';
import { spawnFakeUpstream, spawnMcplocal } from '@mcpctl/test-kit';
import type { BenchPath } from './bench-path.js';
import { keepProcess, type BenchProcess } from './bench-process.js';
import type { CleanupStack } from './cleanup-stack.js';
import { writeMcplocalHome } from './mcplocal-home.js';
import { waitForOpenSession } from './provider-session.js';
import { relayPathName } from './scenarios.js';

/** A fake upstream the bench started: where it listens and its process, for CPU accounting. */
export interface UpstreamProcess {
  url: string;
  pid: number;
}

export interface RelaySetup {
  mcpd: { url: string; token: string; pid: number };
  /** The fake upstream the single relayed LLM calls, the one the `direct` path measures. */
  upstream: UpstreamProcess & { model: string };
  /** The provider channel transport this mcplocal is forced to, with `MCPLOCAL_PROVIDER_TRANSPORT`. */
  transport: ProviderTransport;
  /** Also publish the three pool members, each with its own fake upstream. */
  pool: boolean;
  /** Also publish the paced fake upstream of `streams500`. */
  paced: UpstreamProcess | undefined;
  tokenCount: number;
  /** Flags for mcplocal's node, such as `--cpu-prof`. */
  nodeFlags: string[];
}

/** One mcplocal forced to a transport, and what mcpd says its session really uses. */
export interface RelayPublisher {
  transport: ProviderTransport;
  /** The relayed LLM of the `relay-<transport>` path. */
  llm: string;
  /** `transport` of mcpd's view of `llm` once its session was open; null when mcpd did not say. */
  usedTransport: ProviderTransport | null;
  paths: BenchPath[];
  /** The relayed LLM on the paced fake upstream, when asked for. */
  pacedPath: BenchPath | undefined;
  processes: BenchProcess[];
}

export const POOL_NAME = 'bench-pool';
export const POOL_MEMBERS = ['bench-a', 'bench-b', 'bench-c'] as const;
/** The relayed LLM of one transport's mcplocal. */
export const relayLlmName = (transport: ProviderTransport) => `bench-relay-${transport}`;
/** The relayed LLM on the paced fake upstream, of one transport's mcplocal. */
export const pacedLlmName = (transport: ProviderTransport) => `bench-paced-${transport}`;
/** The path of the paced LLM relayed by the mcplocal forced to `transport`. */
export const pacedRelayPathName = (transport: ProviderTransport) => `paced-relay-${transport}`;

/** How long a fresh mcplocal may take to publish and open its control connection on a loaded machine. */
const SESSION_TIMEOUT_MS = 45_000;

/**
 * One mcplocal, forced to one transport of the provider channel, publishing `bench-relay-<transport>`
 * and, with `pool`, `bench-a/b/c` in pool `bench-pool`. One publisher for the single LLM and the
 * pool keeps the workstation side the same for both, so the pool's figures differ from the single
 * relay's by mcpd's pool dispatch alone; three publisher processes would instead give the pool
 * three event loops on a two-core machine that mcpd, the upstreams and the load generator already share.
 */
export async function startRelayPublisher(setup: RelaySetup, cleanup: CleanupStack): Promise<RelayPublisher> {
  const processes: BenchProcess[] = [];
  const members: { name: string; url: string; pid: number }[] = [];
  if (setup.pool) {
    for (const name of POOL_MEMBERS) {
      const fake = await spawnFakeUpstream(['--model', setup.upstream.model, '--token-count', String(setup.tokenCount)]);
      const entry = keepProcess(cleanup, `the fake upstream of ${name}`, fake, fake.url);
      processes.push(entry);
      members.push({ name, url: fake.url, pid: entry.pid });
    }
  }
  const provider = (name: string, url: string, poolName?: string): ProviderEntry => ({
    name,
    type: 'openai',
    url: `${url}/v1`,
    model: setup.upstream.model,
    publish: true,
    visibility: 'private',
    ...(poolName ? { poolName } : {}),
  });
  const llm = relayLlmName(setup.transport);
  const providers = [
    provider(llm, setup.upstream.url),
    ...(setup.paced ? [provider(pacedLlmName(setup.transport), setup.paced.url)] : []),
    ...members.map((member) => provider(member.name, member.url, POOL_NAME)),
  ];
  const home = await writeMcplocalHome({ providers, agents: [] }, { mcpdUrl: setup.mcpd.url, token: setup.mcpd.token }, cleanup);
  // Ready once it listens; the session is awaited through mcpd, whichever transport it opened.
  const mcplocal = await spawnMcplocal({ home, env: { MCPLOCAL_PROVIDER_TRANSPORT: setup.transport }, nodeFlags: setup.nodeFlags, readyMessage: 'local endpoint listening' });
  const published = providers.map((entry) => entry.name).join(', ');
  const publisher = keepProcess(cleanup, `mcplocal (${setup.transport})`, mcplocal, `MCPLOCAL_PROVIDER_TRANSPORT=${setup.transport}, publishes ${published}`);
  processes.push(publisher);
  const usedTransport = await waitForOpenSession(setup.mcpd, llm, SESSION_TIMEOUT_MS, () => {
    const child = mcplocal.process;
    if (child.exitCode === null && child.signalCode === null) return undefined;
    return `exited (${child.signalCode ?? `code ${String(child.exitCode)}`}) before its session opened:\n${mcplocal.output().slice(-2000)}`;
  });

  const through = (name: string, model: string, upstreamPids: number[]): BenchPath => ({
    name,
    url: `${setup.mcpd.url}/v1/chat/completions`,
    model,
    headers: { authorization: `Bearer ${setup.mcpd.token}` },
    pids: [setup.mcpd.pid, publisher.pid, ...upstreamPids],
    gatewayPids: [setup.mcpd.pid, publisher.pid],
  });
  const paths = [through(relayPathName(setup.transport), llm, [setup.upstream.pid])];
  if (setup.pool) paths.push(through('pool', POOL_NAME, members.map((member) => member.pid)));
  const pacedPath = setup.paced ? through(pacedRelayPathName(setup.transport), pacedLlmName(setup.transport), [setup.paced.pid]) : undefined;
  return { transport: setup.transport, llm, usedTransport, paths, pacedPath, processes };
}
