import type { ProviderEntry } from '@mcpctl/protocol';
import { spawnFakeUpstream, spawnMcplocal } from '@mcpctl/test-kit';
import type { BenchPath } from './bench-path.js';
import { keepProcess, type BenchProcess } from './bench-process.js';
import type { CleanupStack } from './cleanup-stack.js';
import { writeMcplocalHome } from './mcplocal-home.js';

export interface RelaySetup {
  mcpd: { url: string; token: string; pid: number };
  /** The fake upstream the single relayed LLM calls, the one the `direct` path measures. */
  upstream: { url: string; pid: number; model: string };
  /** Also publish the three pool members, each with its own fake upstream. */
  pool: boolean;
  tokenCount: number;
}

export const RELAY_LLM = 'bench-relay';
export const POOL_NAME = 'bench-pool';
export const POOL_MEMBERS = ['bench-a', 'bench-b', 'bench-c'] as const;

/**
 * One mcplocal publishing `bench-relay` and, with `pool`, `bench-a/b/c` in pool `bench-pool`.
 * One publisher for all of them keeps the workstation side the same for the single LLM and the
 * pool, so the pool's figures differ from the single relay's by mcpd's pool dispatch alone; three
 * publisher processes would instead give the pool three event loops on a two-core machine that
 * mcpd, the upstreams and the load generator already share.
 */
export async function startRelayPublisher(setup: RelaySetup, cleanup: CleanupStack): Promise<{ paths: BenchPath[]; processes: BenchProcess[] }> {
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
  const providers = [provider(RELAY_LLM, setup.upstream.url), ...members.map((member) => provider(member.name, member.url, POOL_NAME))];
  const home = await writeMcplocalHome({ providers, agents: [] }, { mcpdUrl: setup.mcpd.url, token: setup.mcpd.token }, cleanup);
  const mcplocal = await spawnMcplocal({ home });
  const published = providers.map((entry) => entry.name).join(', ');
  const publisher = keepProcess(cleanup, 'mcplocal', mcplocal, `publishes ${published}`);
  processes.push(publisher);

  const through = (name: string, model: string, upstreamPids: number[]): BenchPath => ({
    name,
    url: `${setup.mcpd.url}/v1/chat/completions`,
    model,
    headers: { authorization: `Bearer ${setup.mcpd.token}` },
    pids: [setup.mcpd.pid, publisher.pid, ...upstreamPids],
  });
  const paths = [through('relay', RELAY_LLM, [setup.upstream.pid])];
  if (setup.pool) paths.push(through('pool', POOL_NAME, members.map((member) => member.pid)));
  return { paths, processes };
}
