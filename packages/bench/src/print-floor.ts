import type { ScenarioResult } from './bench-report.js';
import { TWO_BARE_HOPS_PATH } from './scenarios.js';

/**
 * Beside the relay's CPU-per-chunk targets, what two bare Node.js proxies chained spent per
 * streamed chunk in the same run (`--reference`): two processes that each read and write twice
 * per answer and do nothing else. A target near this floor leaves the gateway's own work (auth,
 * RBAC, the audit, the chunks' checks) almost nothing. Undefined when the run has no such figure.
 */
export function formatFloor(results: readonly ScenarioResult[]): string | undefined {
  const lines: string[] = [];
  for (const floor of results.filter((result) => result.scenario.path === TWO_BARE_HOPS_PATH && result.scenario.streaming)) {
    const micros = floor.path.gatewayCpuMicrosPerChunk;
    if (micros === undefined) continue;
    const { connections } = floor.scenario;
    const beside = results
      .filter((result) => result.scenario.streaming && result.scenario.connections === connections && result.scenario.targets.maxGatewayCpuPerChunkMicros !== undefined)
      .flatMap((result) => {
        const spent = result.path.gatewayCpuMicrosPerChunk;
        const limit = result.scenario.targets.maxGatewayCpuPerChunkMicros;
        return spent === undefined || limit === undefined ? [] : [`${result.scenario.path} ${spent.toFixed(1)} µs (target ≤ ${limit} µs)`];
      });
    const connectionsText = `${connections} connection${connections === 1 ? '' : 's'}`;
    lines.push(`  ${connectionsText}: ${micros.toFixed(1)} µs per streamed chunk${beside.length > 0 ? `, beside ${beside.join(', ')}` : ''}`);
  }
  if (lines.length === 0) return undefined;
  return ['floor under the relay (two bare Node.js proxies chained, no gateway work; CPU of both per streamed chunk):', ...lines].join('\n');
}
