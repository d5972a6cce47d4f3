import type { TargetVerdict } from './bench-report.js';
import type { LoadFigures } from './load-figures.js';
import { scenarioLabel, type Scenario } from './scenarios.js';
import type { ProbeComparison } from './sequential-probe.js';

/** Holds a scenario's figures against its targets (the fallback's are only shown beside them); added latency prefers the probe's microsecond timing. */
export function evaluateTargets(
  scenario: Scenario,
  figures: { baseline: LoadFigures; path: LoadFigures; probe: ProbeComparison | undefined },
): TargetVerdict[] {
  const where = `${scenarioLabel(scenario)}, ${scenario.connections} connection${scenario.connections === 1 ? '' : 's'}`;
  const verdicts: Array<Omit<TargetVerdict, 'held'>> = [];
  const { minThroughputRatio, maxAddedP50Ms, maxAddedFirstTokenP50Ms, maxGatewayCpuPerChunkMicros } = scenario.targets;
  if (minThroughputRatio !== undefined) {
    const ratio = figures.path.requestsPerSecond / figures.baseline.requestsPerSecond;
    const times = scenario.ratioAs === '×';
    verdicts.push({
      target: times
        ? `${scenario.path} throughput ≥ ${minThroughputRatio}× ${scenario.baseline}'s (${where})`
        : `${scenario.path} throughput ≥ ${percent(minThroughputRatio)} % of ${scenario.baseline} (${where})`,
      measured: times ? ratio : ratio * 100,
      limit: times ? minThroughputRatio : minThroughputRatio * 100,
      unit: times ? '×' : '%',
      source: 'autocannon req/s',
      met: ratio >= minThroughputRatio,
    });
  }
  if (maxAddedP50Ms !== undefined) {
    const measured = figures.probe?.addedMs.p50 ?? figures.path.latencyMs.p50 - figures.baseline.latencyMs.p50;
    verdicts.push({
      target: `${scenario.path} adds ≤ ${maxAddedP50Ms} ms at p50 over ${scenario.baseline} (${where})`,
      measured,
      limit: maxAddedP50Ms,
      unit: 'ms',
      source: figures.probe ? 'sequential probe, whole response' : 'autocannon per-response hrtime',
      met: measured <= maxAddedP50Ms,
    });
  }
  if (maxAddedFirstTokenP50Ms !== undefined) {
    // Without a probe of a stream there is nothing to hold the target to: NaN, and never met.
    const measured = figures.probe?.addedFirstTokenMs?.p50 ?? Number.NaN;
    verdicts.push({
      target: `${scenario.path} adds ≤ ${maxAddedFirstTokenP50Ms} ms to the first token at p50 over ${scenario.baseline} (${where})`,
      measured,
      limit: maxAddedFirstTokenP50Ms,
      unit: 'ms',
      source: 'sequential probe, first token',
      met: measured <= maxAddedFirstTokenP50Ms,
    });
  }
  if (maxGatewayCpuPerChunkMicros !== undefined) {
    // Without procfs or a chunk count there is nothing to hold the target to: NaN, and never met.
    const measured = figures.path.gatewayCpuMicrosPerChunk ?? Number.NaN;
    verdicts.push({
      target: `${scenario.path} spends ≤ ${maxGatewayCpuPerChunkMicros} µs of server CPU per streamed chunk (${where})`,
      measured,
      limit: maxGatewayCpuPerChunkMicros,
      unit: 'µs',
      source: 'mcpd + mcplocal CPU from /proc over the load runs, per chunk answered',
      met: measured <= maxGatewayCpuPerChunkMicros,
    });
  }
  return verdicts.map((verdict) => ({ ...verdict, held: scenario.fallback !== true }));
}

/** `0.12` as `12`, `0.125` as `12.5`. */
function percent(ratio: number): string {
  return String(Math.round(ratio * 1000) / 10);
}
