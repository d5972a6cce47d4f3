import type { BenchPart } from './bench-options.js';

/** What a scenario's figures are held to; every limit is optional. */
export interface ScenarioTargets {
  /** Least throughput of the path as a fraction of the baseline's in the same run (0.12 = 12 %). */
  minThroughputRatio?: number;
  /** Most latency the path may add at p50, in ms, as measured by the sequential probe. */
  maxAddedP50Ms?: number;
  /** Most time to first token the path may add at p50, in ms, as measured by the sequential probe; streams only. */
  maxAddedFirstTokenP50Ms?: number;
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
  targets: ScenarioTargets;
}

const ONE = { connections: 1, sequentialProbe: true } as const;
const MANY = { connections: 64, sequentialProbe: false } as const;

const MCPD_PUBLIC = { path: 'mcpd', baseline: 'direct' } as const;

/** mcpd calling the upstream itself, for a public LLM. */
export const PUBLIC_SCENARIOS: readonly Scenario[] = [
  { ...MCPD_PUBLIC, ...ONE, streaming: false, targets: { maxAddedP50Ms: 0.25 } },
  { ...MCPD_PUBLIC, ...MANY, streaming: false, targets: { minThroughputRatio: 0.12 } },
  { ...MCPD_PUBLIC, ...ONE, streaming: true, targets: { maxAddedP50Ms: 0.25 } },
  { ...MCPD_PUBLIC, ...MANY, streaming: true, targets: { minThroughputRatio: 0.12 } },
];

/** Relayed answers take 40–130 ms at 64 connections: runs of 2.5 s keep the answers cut off at each run's end to 1–2 %. */
const MANY_RELAYED = { ...MANY, sliceSeconds: 2.5 } as const;

const RELAY = { path: 'relay', baseline: 'direct' } as const;

/**
 * A virtual LLM: mcpd hands the request to mcplocal over the control stream, mcplocal calls the
 * upstream and posts the answer back. No streaming run at 64 connections: a relayed stream posts
 * one result per token, its answers then take over a second each, and a load run that long per
 * answer measures the cut-off more than the path.
 */
export const RELAY_SCENARIOS: readonly Scenario[] = [
  { ...RELAY, ...ONE, streaming: false, targets: { maxAddedP50Ms: 0.6 } },
  { ...RELAY, ...MANY_RELAYED, streaming: false, targets: { minThroughputRatio: 0.06 } },
  { ...RELAY, ...ONE, streaming: true, targets: { maxAddedFirstTokenP50Ms: 1 } },
];

const POOL = { path: 'pool', baseline: 'relay', targets: {} } as const;

/** The same relay addressed by pool name: what resolving a pool and picking a member adds. */
export const POOL_SCENARIOS: readonly Scenario[] = [
  { ...POOL, ...ONE, streaming: false },
  { ...POOL, ...MANY_RELAYED, streaming: false },
];

const BARE_PROXY_REFERENCE = { path: 'bare-proxy', baseline: 'direct', targets: {} } as const;

/** With `--reference`: the same shapes through the bare proxy, to read mcpd's figures against. */
export const REFERENCE_SCENARIOS: readonly Scenario[] = [
  { ...BARE_PROXY_REFERENCE, ...ONE, streaming: false },
  { ...BARE_PROXY_REFERENCE, ...MANY, streaming: false },
  { ...BARE_PROXY_REFERENCE, ...ONE, streaming: true },
  { ...BARE_PROXY_REFERENCE, ...MANY, streaming: true },
];

const BY_PART: Record<Exclude<BenchPart, 'wake'>, readonly Scenario[]> = {
  public: PUBLIC_SCENARIOS,
  relay: RELAY_SCENARIOS,
  pool: POOL_SCENARIOS,
};

/** The load scenarios of the chosen parts, in a fixed order; the reference ones come last, whatever `--only` says. */
export function selectScenarios(parts: readonly BenchPart[], reference: boolean): Scenario[] {
  const selected = parts.flatMap((part) => (part === 'wake' ? [] : BY_PART[part]));
  return reference ? [...selected, ...REFERENCE_SCENARIOS] : selected;
}

export function scenarioLabel(scenario: Scenario): string {
  return scenario.streaming ? 'streaming' : 'non-streaming';
}
