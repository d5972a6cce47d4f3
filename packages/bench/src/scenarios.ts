import type { ProviderTransport } from '@mcpctl/protocol';
import type { BenchPart } from './bench-options.js';

/** What a scenario's figures are held to; every limit is optional. */
export interface ScenarioTargets {
  /** Least throughput of the path as a fraction of the baseline's in the same run (0.12 = 12 %). */
  minThroughputRatio?: number;
  /** Most latency the path may add at p50, in ms, as measured by the sequential probe. */
  maxAddedP50Ms?: number;
  /** Most time to first token the path may add at p50, in ms, as measured by the sequential probe; streams only. */
  maxAddedFirstTokenP50Ms?: number;
  /** Most CPU the path's gateway processes (mcpd, mcplocal; not the model server) may spend per streamed chunk, in µs; streams only. */
  maxGatewayCpuPerChunkMicros?: number;
}

/**
 * One measurement: the same request shape sent to a path and to its baseline, back to back, so
 * both see the same machine state. A new way to reach the model is a new entry here plus the
 * path it names in the bench environment.
 */
export interface Scenario {
  /** `BenchPath.name` of the path under test. */
  path: string;
  /** `BenchPath.name` of what it is compared with. */
  baseline: string;
  connections: number;
  streaming: boolean;
  /**
   * Also time requests one at a time with hrtime, alternating baseline and path: sub-millisecond
   * latency and, for streams, time to first token. Meaningful at one connection only.
   */
  sequentialProbe: boolean;
  /**
   * Length of one measured load run (default 1 s). autocannon counts only answers completed
   * within a run, so each run loses about half an answer per connection: a path that takes
   * 100 ms per answer at 64 connections needs longer runs than one that takes 10 ms.
   */
  sliceSeconds?: number;
  /** How the throughput ratio reads: `%` of the baseline (default) or `×` the baseline's, as the targets are written. */
  ratioAs?: '%' | '×';
  targets: ScenarioTargets;
  /** The fallback transport's run: its figures are shown beside the targets, not held to them (see {@link FALLBACK_TRANSPORT}). */
  fallback?: boolean;
}

const ONE = { connections: 1, sequentialProbe: true } as const;
const MANY = { connections: 64, sequentialProbe: false } as const;

const MCPD_PUBLIC = { path: 'mcpd', baseline: 'direct' } as const;

/** Load runs at one connection without the sequential probe: throughput only. */
const ONE_UNPROBED = { connections: 1, sequentialProbe: false } as const;

const MCPD_OVER_BARE = { path: 'mcpd', baseline: 'bare-proxy' } as const;

/**
 * mcpd calling the upstream itself, for a public LLM: against the upstream, then its streams
 * against the bare Node proxy, the same extra hop without a gateway's work.
 */
export const PUBLIC_SCENARIOS: readonly Scenario[] = [
  { ...MCPD_PUBLIC, ...ONE, streaming: false, targets: { maxAddedP50Ms: 0.25 } },
  { ...MCPD_PUBLIC, ...MANY, streaming: false, targets: { minThroughputRatio: 0.12 } },
  { ...MCPD_PUBLIC, ...ONE, streaming: true, targets: { maxAddedP50Ms: 0.25 } },
  { ...MCPD_PUBLIC, ...MANY, streaming: true, targets: { minThroughputRatio: 0.12 } },
  { ...MCPD_OVER_BARE, ...ONE_UNPROBED, streaming: true, targets: {} },
  { ...MCPD_OVER_BARE, ...MANY, streaming: true, targets: { minThroughputRatio: 0.6 } },
];

/** Relayed answers take 40–130 ms at 64 connections: runs of 2.5 s keep the answers cut off at each run's end to 1–2 %. */
const MANY_RELAYED = { ...MANY, sliceSeconds: 2.5 } as const;

/** The path of the LLM relayed by the mcplocal forced to `transport`. */
export function relayPathName(transport: ProviderTransport): string {
  return `relay-${transport}`;
}

/**
 * SSE + POST, the provider channel's first format: one POST per result, which mcplocal builds in
 * users' hands speak and mcpd serves unchanged. Issue 13's targets are for the transport that
 * replaces it on the hot path; the fallback's figures are reported beside them so its cost stays
 * visible, and are not held to them.
 */
export const FALLBACK_TRANSPORT: ProviderTransport = 'sse';

/** The relay of the pool's members, and so the pool's baseline: the provider socket, what an mcplocal picks when mcpd offers it. */
export const POOL_BASELINE_TRANSPORT: ProviderTransport = 'websocket';

/**
 * A virtual LLM on one transport of the provider channel: mcpd hands the request to mcplocal,
 * mcplocal calls the upstream and sends the answer back. Compared with the public path (mcpd
 * calling the same upstream itself), so the figures are what the relay adds to mcpd's own work.
 */
export function relayScenarios(transport: ProviderTransport): Scenario[] {
  const relay = { path: relayPathName(transport), baseline: 'mcpd', ratioAs: '×', fallback: transport === FALLBACK_TRANSPORT } as const;
  return [
    { ...relay, ...ONE, streaming: false, targets: { maxAddedP50Ms: 0.5 } },
    { ...relay, ...MANY_RELAYED, streaming: false, targets: {} },
    { ...relay, ...ONE, streaming: true, targets: { minThroughputRatio: 0.5, maxAddedFirstTokenP50Ms: 0.5, maxGatewayCpuPerChunkMicros: 40 } },
    { ...relay, ...MANY_RELAYED, streaming: true, targets: { minThroughputRatio: 0.6, maxGatewayCpuPerChunkMicros: 40 } },
  ];
}

const POOL = { path: 'pool', baseline: relayPathName(POOL_BASELINE_TRANSPORT), targets: {} } as const;

/** The same relay addressed by pool name: what resolving a pool and picking a member adds. */
export const POOL_SCENARIOS: readonly Scenario[] = [
  { ...POOL, ...ONE, streaming: false },
  { ...POOL, ...MANY_RELAYED, streaming: false },
];

const BARE_PROXY_REFERENCE = { path: 'bare-proxy', baseline: 'direct', targets: {} } as const;

/**
 * Two bare proxies chained in front of the upstream: the cheapest path through two Node.js
 * processes, each reading and writing twice per answer as mcpd and mcplocal do on the relay. Its
 * CPU per streamed chunk is the floor under the relay's target on this machine.
 */
export const TWO_BARE_HOPS_PATH = 'bare-2hop';

const TWO_BARE_HOPS_REFERENCE = { path: TWO_BARE_HOPS_PATH, baseline: 'bare-proxy', targets: {} } as const;

/**
 * With `--reference`: the same shapes through the bare proxy, to read mcpd's figures against, and
 * streams through two bare proxies, to read the relay's against.
 */
export const REFERENCE_SCENARIOS: readonly Scenario[] = [
  { ...BARE_PROXY_REFERENCE, ...ONE, streaming: false },
  { ...BARE_PROXY_REFERENCE, ...MANY, streaming: false },
  { ...BARE_PROXY_REFERENCE, ...ONE, streaming: true },
  { ...BARE_PROXY_REFERENCE, ...MANY, streaming: true },
  { ...TWO_BARE_HOPS_REFERENCE, ...ONE_UNPROBED, streaming: true },
  { ...TWO_BARE_HOPS_REFERENCE, ...MANY, streaming: true },
];

/** The load scenarios of the chosen parts, in a fixed order, the relay's once per transport; the reference ones come last, whatever `--only` says. */
export function selectScenarios(parts: readonly BenchPart[], reference: boolean, transports: readonly ProviderTransport[]): Scenario[] {
  const selected = parts.flatMap((part): readonly Scenario[] => {
    switch (part) {
      case 'public':
        return PUBLIC_SCENARIOS;
      case 'relay':
        return transports.flatMap(relayScenarios);
      case 'pool':
        return POOL_SCENARIOS;
      case 'wake':
      case 'streams500':
      case 'fleet':
        return [];
    }
  });
  return reference ? [...selected, ...REFERENCE_SCENARIOS] : selected;
}

export function scenarioLabel(scenario: Scenario): string {
  return scenario.streaming ? 'streaming' : 'non-streaming';
}
