import { spawnFakeUpstream, spawnMcpd, makeTempDir } from '@mcpctl/test-kit';
import type { BenchOptions } from './bench-options.js';
import type { BenchPath } from './bench-path.js';
import { keepProcess, type BenchProcess } from './bench-process.js';
import { checkPathsAgree } from './check-paths.js';
import type { CleanupStack } from './cleanup-stack.js';
import { registerLlm } from './register-llm.js';
import { startRelayPublisher } from './relay-publisher.js';
import { spawnBareProxy } from './spawn-bare-proxy.js';

/** The servers under test, each in its own process, and the paths that reach the model through them. */
export interface BenchEnvironment {
  paths: ReadonlyMap<string, BenchPath>;
  processes: BenchProcess[];
  /** Where mcpd listens and its admin token, for measurements that set up their own LLMs (the wake). */
  mcpd: { url: string; token: string; pid: number };
}

const UPSTREAM_MODEL = 'fake-model';
const LLM_NAME = 'bench';

/**
 * Starts the fake upstream and mcpd, then whatever the named paths need: the public LLM `bench`
 * (`mcpd`), the bare proxy, mcplocal publishing the relayed LLM and the pool. Checks that every
 * path answers alike.
 */
export async function startBenchEnvironment(
  options: BenchOptions,
  pathNames: ReadonlySet<string>,
  cleanup: CleanupStack,
): Promise<BenchEnvironment> {
  // Unpaced and fixed-size, so the figures measure the path, not the model; the fake's command
  // line never records requests, so its memory stays flat under load.
  const fake = await spawnFakeUpstream(['--model', UPSTREAM_MODEL, '--token-count', String(options.tokenCount)]);
  const upstream = keepProcess(cleanup, 'the fake upstream', fake, fake.url);

  const dataDir = await makeTempDir('mcpctl-bench');
  cleanup.add(`remove ${dataDir.path}`, dataDir.cleanup);
  const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const mcpd = await spawnMcpd({ dataDir: dataDir.path, nodeFlags });
  const server = keepProcess(cleanup, 'mcpd', mcpd, mcpd.url);
  const token = mcpd.adminToken;

  const paths: BenchPath[] = [
    { name: 'direct', url: `${fake.url}/v1/chat/completions`, model: UPSTREAM_MODEL, headers: {}, pids: [upstream.pid] },
  ];
  const processes = [upstream, server];
  if (pathNames.has('mcpd')) {
    await registerLlm(mcpd.url, token, { name: LLM_NAME, type: 'openai', model: UPSTREAM_MODEL, url: `${fake.url}/v1` });
    paths.push({
      name: 'mcpd',
      url: `${mcpd.url}/v1/chat/completions`,
      model: LLM_NAME,
      headers: { authorization: `Bearer ${token}` },
      pids: [server.pid, upstream.pid],
    });
  }
  if (pathNames.has('bare-proxy')) {
    const proxy = await spawnBareProxy(`${fake.url}/v1`, UPSTREAM_MODEL);
    const entry = keepProcess(cleanup, 'the bare proxy', proxy, proxy.url);
    paths.push({ name: 'bare-proxy', url: `${proxy.url}/v1/chat/completions`, model: LLM_NAME, headers: {}, pids: [entry.pid, upstream.pid] });
    processes.push(entry);
  }
  if (pathNames.has('relay') || pathNames.has('pool')) {
    const relay = await startRelayPublisher(
      {
        mcpd: { url: mcpd.url, token, pid: server.pid },
        upstream: { url: fake.url, pid: upstream.pid, model: UPSTREAM_MODEL },
        pool: pathNames.has('pool'),
        tokenCount: options.tokenCount,
      },
      cleanup,
    );
    paths.push(...relay.paths);
    processes.push(...relay.processes);
  }
  await checkPathsAgree(paths);
  return { paths: new Map(paths.map((path) => [path.name, path])), processes, mcpd: { url: mcpd.url, token, pid: server.pid } };
}
