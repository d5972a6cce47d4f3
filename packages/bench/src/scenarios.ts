/** What a scenario's figures are held to; every limit is optional. */
export interface ScenarioTargets {
  /** Least throughput of the path as a fraction of the baseline's in the same run (0.12 = 12 %). */
  minThroughputRatio?: number;
  /** Most latency the path may add at p50, in ms, as measured by the sequential probe. */
  maxAddedP50Ms?: number;
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
  targets: ScenarioTargets;
}

const MCPD_PUBLIC = { path: 'mcpd', baseline: 'direct' } as const;
const ONE_CONNECTION = { connections: 1, sequentialProbe: true, targets: { maxAddedP50Ms: 0.25 } } as const;
const MANY_CONNECTIONS = { connections: 64, sequentialProbe: false, targets: { minThroughputRatio: 0.12 } } as const;

export const SCENARIOS: readonly Scenario[] = [
  { ...MCPD_PUBLIC, ...ONE_CONNECTION, streaming: false },
  { ...MCPD_PUBLIC, ...MANY_CONNECTIONS, streaming: false },
  { ...MCPD_PUBLIC, ...ONE_CONNECTION, streaming: true },
  { ...MCPD_PUBLIC, ...MANY_CONNECTIONS, streaming: true },
];

export function scenarioLabel(scenario: Scenario): string {
  return scenario.streaming ? 'streaming' : 'non-streaming';
}

const BARE_PROXY_REFERENCE = { path: 'bare-proxy', baseline: 'direct', targets: {} } as const;

/** With `--reference`: the same shapes through the bare proxy, to read mcpd's figures against. */
export const REFERENCE_SCENARIOS: readonly Scenario[] = [
  { ...BARE_PROXY_REFERENCE, connections: 1, sequentialProbe: true, streaming: false },
  { ...BARE_PROXY_REFERENCE, connections: 64, sequentialProbe: false, streaming: false },
  { ...BARE_PROXY_REFERENCE, connections: 1, sequentialProbe: true, streaming: true },
  { ...BARE_PROXY_REFERENCE, connections: 64, sequentialProbe: false, streaming: true },
];
