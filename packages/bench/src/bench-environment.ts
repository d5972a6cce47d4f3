import { providerTransportSchema, type ProviderTransport } from '@mcpctl/protocol';
import { spawnFakeUpstream, spawnMcpd, makeTempDir } from '@mcpctl/test-kit';
import type { BenchOptions } from './bench-options.js';
import type { BenchPath } from './bench-path.js';
import { keepProcess, type BenchProcess } from './bench-process.js';
import { checkPathsAgree } from './check-paths.js';
import type { CleanupStack } from './cleanup-stack.js';
import { registerLlm } from './register-llm.js';
import { startRelayPublisher, type UpstreamProcess } from './relay-publisher.js';
import { POOL_BASELINE_TRANSPORT, relayPathName, TWO_BARE_HOPS_PATH } from './scenarios.js';
import { spawnBareProxy } from './spawn-bare-proxy.js';
import { PACED_DIRECT_PATH, PACED_TOKENS_PER_SECOND } from './streams-burst-settings.js';

/** One relaying mcplocal: the transport it was asked to use and the one mcpd says its session opened with. */
export interface RelayTransportUse {
  path: string;
  llm: string;
  /** `MCPLOCAL_PROVIDER_TRANSPORT` of its mcplocal. */
  asked: ProviderTransport;
  /** `providerSession.transport` of mcpd's view of `llm` once the session was open; null when mcpd did not say. */
  used: ProviderTransport | null;
}

/** The servers under test, each in its own process, and the paths that reach the model through them. */
export interface BenchEnvironment {
  paths: ReadonlyMap<string, BenchPath>;
  /** Paths to the paced fake upstream of `streams500`, directly and relayed per transport; not part of the load scenarios. */
  pacedPaths: ReadonlyMap<string, BenchPath>;
  processes: BenchProcess[];
  relays: RelayTransportUse[];
  /** Where mcpd listens and its admin token, for measurements that set up their own LLMs (the wake). */
  mcpd: { url: string; token: string; pid: number };
}

/** What the run measures: the paths its load scenarios name, and the transports `streams500` relays over (none: no paced upstream). */
export interface EnvironmentNeeds {
  pathNames: ReadonlySet<string>;
  pacedTransports: readonly ProviderTransport[];
}

const UPSTREAM_MODEL = 'fake-model';
const LLM_NAME = 'bench';
/**
 * Room for `streams500`: 500 relayed streams are 500 inference requests in flight and, on SSE +
 * POST, up to 500 result posts at once, against default caps of 128 and 256 per user. The other
 * scenarios stay far below either cap, so raising them changes nothing they measure.
 */
const MCPD_ENV = { MCPD_MAX_INFERENCE_PER_USER: '4096', MCPD_MAX_RESULT_POSTS_PER_USER: '4096' };

/**
 * Starts the fake upstream and mcpd, then whatever the named paths need: the public LLM `bench`
 * (`mcpd`), the bare proxy, one mcplocal per relayed transport (the websocket one also publishing
 * the pool), the paced upstream of `streams500`. Checks that every load path answers alike.
 */
export async function startBenchEnvironment(options: BenchOptions, needs: EnvironmentNeeds, cleanup: CleanupStack): Promise<BenchEnvironment> {
  const { pathNames } = needs;
  // Unpaced and fixed-size, so the figures measure the path, not the model; the fake's command
  // line never records requests, so its memory stays flat under load.
  const fake = await spawnFakeUpstream(['--model', UPSTREAM_MODEL, '--token-count', String(options.tokenCount)]);
  const upstream = keepProcess(cleanup, 'the fake upstream', fake, fake.url);

  const dataDir = await makeTempDir('mcpctl-bench');
  cleanup.add(`remove ${dataDir.path}`, dataDir.cleanup);
  const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const mcpd = await spawnMcpd({ dataDir: dataDir.path, nodeFlags, env: MCPD_ENV });
  const server = keepProcess(cleanup, 'mcpd', mcpd, mcpd.url);
  const token = mcpd.adminToken;
  const mcpdAccess = { url: mcpd.url, token, pid: server.pid };

  const paths: BenchPath[] = [
    { name: 'direct', url: `${fake.url}/v1/chat/completions`, model: UPSTREAM_MODEL, headers: {}, pids: [upstream.pid], gatewayPids: [] },
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
      gatewayPids: [server.pid],
    });
  }
  if (pathNames.has('bare-proxy') || pathNames.has(TWO_BARE_HOPS_PATH)) {
    const proxy = await spawnBareProxy(`${fake.url}/v1`, UPSTREAM_MODEL);
    const entry = keepProcess(cleanup, 'the bare proxy', proxy, proxy.url);
    paths.push({
      name: 'bare-proxy',
      url: `${proxy.url}/v1/chat/completions`,
      model: LLM_NAME,
      headers: {},
      pids: [entry.pid, upstream.pid],
      gatewayPids: [entry.pid],
    });
    processes.push(entry);
    if (pathNames.has(TWO_BARE_HOPS_PATH)) {
      // A second bare proxy in front of the first: the model name passes through both unchanged.
      const front = await spawnBareProxy(`${proxy.url}/v1`, UPSTREAM_MODEL);
      const frontEntry = keepProcess(cleanup, 'the front bare proxy', front, `${front.url}, in front of the bare proxy`);
      paths.push({
        name: TWO_BARE_HOPS_PATH,
        url: `${front.url}/v1/chat/completions`,
        model: LLM_NAME,
        headers: {},
        pids: [frontEntry.pid, entry.pid, upstream.pid],
        gatewayPids: [frontEntry.pid, entry.pid],
      });
      processes.push(frontEntry);
    }
  }

  const pacedPaths: BenchPath[] = [];
  let paced: UpstreamProcess | undefined;
  if (needs.pacedTransports.length > 0) {
    // Echoes the prompt back one word per token, at a steady pace: each stream's answer is its own, so order and cross-talk show.
    const pacedFake = await spawnFakeUpstream(['--model', UPSTREAM_MODEL, '--echo', '--tokens-per-second', String(PACED_TOKENS_PER_SECOND)]);
    const entry = keepProcess(cleanup, 'the paced fake upstream', pacedFake, `${pacedFake.url}, echoes at ${PACED_TOKENS_PER_SECOND} tokens/s`);
    processes.push(entry);
    paced = { url: pacedFake.url, pid: entry.pid };
    pacedPaths.push({ name: PACED_DIRECT_PATH, url: `${pacedFake.url}/v1/chat/completions`, model: UPSTREAM_MODEL, headers: {}, pids: [entry.pid], gatewayPids: [] });
  }

  const relays: RelayTransportUse[] = [];
  for (const transport of relayTransports(needs)) {
    const publisher = await startRelayPublisher(
      {
        mcpd: mcpdAccess,
        upstream: { url: fake.url, pid: upstream.pid, model: UPSTREAM_MODEL },
        transport,
        pool: transport === POOL_BASELINE_TRANSPORT && pathNames.has('pool'),
        paced: needs.pacedTransports.includes(transport) ? paced : undefined,
        tokenCount: options.tokenCount,
        nodeFlags,
      },
      cleanup,
    );
    paths.push(...publisher.paths);
    if (publisher.pacedPath) pacedPaths.push(publisher.pacedPath);
    processes.push(...publisher.processes);
    relays.push({ path: relayPathName(transport), llm: publisher.llm, asked: transport, used: publisher.usedTransport });
  }
  const checked = await checkPathsAgree(paths.filter((path) => pathNames.has(path.name) || path.name === 'direct'));
  return {
    paths: new Map(checked.map((path) => [path.name, path])),
    pacedPaths: new Map(pacedPaths.map((path) => [path.name, path])),
    processes,
    relays,
    mcpd: mcpdAccess,
  };
}

/** The transports an mcplocal is started for: those the relay's paths, the pool's baseline or `streams500` name. */
function relayTransports(needs: EnvironmentNeeds): ProviderTransport[] {
  return providerTransportSchema.options.filter(
    (transport) =>
      needs.pathNames.has(relayPathName(transport)) ||
      needs.pacedTransports.includes(transport) ||
      (transport === POOL_BASELINE_TRANSPORT && needs.pathNames.has('pool')),
  );
}
