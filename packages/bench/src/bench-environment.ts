import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmCreate } from '@mcpctl/protocol';
import { spawnFakeUpstream } from '@mcpctl/test-kit';
import type { BenchPath } from './bench-path.js';
import type { BenchOptions } from './bench-options.js';
import { checkPathsAgree } from './check-paths.js';
import type { CleanupStack } from './cleanup-stack.js';
import { BenchError } from './errors.js';
import { spawnBareProxy } from './spawn-bare-proxy.js';
import { spawnMcpd } from './spawn-mcpd.js';

/** The servers under test, each in its own process, and the paths that reach the model through them. */
export interface BenchEnvironment {
  paths: ReadonlyMap<string, BenchPath>;
  processes: { name: string; pid: number; url: string }[];
}

const UPSTREAM_MODEL = 'fake-model';
const LLM_NAME = 'bench';

/**
 * Starts the fake upstream and mcpd (and with `--reference` the bare proxy), registers the fake in
 * mcpd, and checks every path answers alike.
 */
export async function startBenchEnvironment(options: BenchOptions, cleanup: CleanupStack): Promise<BenchEnvironment> {
  // Unpaced and fixed-size, so the figures measure the path, not the model; the fake's command
  // line never records requests, so its memory stays flat under load.
  const fake = await spawnFakeUpstream(['--model', UPSTREAM_MODEL, '--token-count', String(options.tokenCount)]);
  cleanup.track(fake.process);
  cleanup.add('stop the fake upstream', fake.stop);

  const dataDir = await mkdtemp(join(tmpdir(), 'mcpctl-bench-'));
  cleanup.add(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const token = randomBytes(32).toString('base64url');
  const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const mcpd = await spawnMcpd({ dataDir, bootstrapToken: token, nodeFlags });
  cleanup.track(mcpd.process);
  cleanup.add('stop mcpd', mcpd.stop);

  await registerLlm(mcpd.url, token, { name: LLM_NAME, type: 'openai', model: UPSTREAM_MODEL, url: `${fake.url}/v1` });

  const fakePid = processId(fake.process.pid, 'the fake upstream');
  const mcpdPid = processId(mcpd.process.pid, 'mcpd');
  const paths: BenchPath[] = [
    { name: 'direct', url: `${fake.url}/v1/chat/completions`, model: UPSTREAM_MODEL, headers: {}, pids: [fakePid] },
    {
      name: 'mcpd',
      url: `${mcpd.url}/v1/chat/completions`,
      model: LLM_NAME,
      headers: { authorization: `Bearer ${token}` },
      pids: [mcpdPid, fakePid],
    },
  ];
  const processes = [
    { name: 'fake upstream', pid: fakePid, url: fake.url },
    { name: 'mcpd', pid: mcpdPid, url: mcpd.url },
  ];
  if (options.reference) {
    const proxy = await spawnBareProxy(`${fake.url}/v1`, UPSTREAM_MODEL);
    cleanup.track(proxy.process);
    cleanup.add('stop the bare proxy', proxy.stop);
    const proxyPid = processId(proxy.process.pid, 'the bare proxy');
    paths.push({ name: 'bare-proxy', url: `${proxy.url}/v1/chat/completions`, model: LLM_NAME, headers: {}, pids: [proxyPid, fakePid] });
    processes.push({ name: 'bare proxy', pid: proxyPid, url: proxy.url });
  }
  await checkPathsAgree(paths);
  return { paths: new Map(paths.map((path) => [path.name, path])), processes };
}

async function registerLlm(mcpdUrl: string, token: string, llm: LlmCreate): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${mcpdUrl}/api/v1/llms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(llm),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new BenchError(`cannot register the LLM ${llm.name} in mcpd`, { cause: error });
  }
  if (response.status !== 201) {
    throw new BenchError(`mcpd answered ${response.status} to registering the LLM ${llm.name}: ${await response.text()}`);
  }
}

function processId(pid: number | undefined, name: string): number {
  if (pid === undefined) throw new BenchError(`${name} has no process id`);
  return pid;
}
