import type { LatencySummary } from './latency-summary.js';
import type { StreamsBurstResult, TransportBurst } from './measure-streams-burst.js';
import type { ProcessCpu } from './stream-burst-figures.js';
import { formatTable } from './text-table.js';

/** The `streams500` measurement for people: one row per path, the direct baseline first, then who failed. */
export function formatStreamsBurst(result: StreamsBurstResult): string {
  const table = formatTable(
    [
      { header: 'path', align: 'left' },
      { header: 'transport', align: 'left' },
      { header: 'whole, in order', align: 'right' },
      { header: 'tokens', align: 'right' },
      { header: 'wall s', align: 'right' },
      { header: 'added first token p50/p99 ms', align: 'right' },
      { header: 'added inter-token p50/p99/max ms', align: 'right' },
      { header: 'server CPU s (% of a core)', align: 'left' },
      { header: 'gateway CPU µs/chunk', align: 'right' },
    ],
    result.bursts.map((burst) => [
      burst.path,
      transportText(burst),
      `${burst.inOrder}/${burst.streams}`,
      String(burst.tokens),
      burst.wallSeconds.toFixed(1),
      `${fixed(burst.addedFirstTokenMs.p50)}/${fixed(burst.addedFirstTokenMs.p99)}`,
      spread(burst.addedInterTokenMs),
      burst.cpu.map(cpuText).join(', '),
      burst.gatewayMicrosPerChunk === undefined ? 'n/a' : burst.gatewayMicrosPerChunk.toFixed(1),
    ]),
  );
  const failures = result.bursts.flatMap((burst) => [
    ...burst.failures.map((failure) => `  ${burst.path}: ${failure}`),
    ...(burst.failureCount > burst.failures.length ? [`  ${burst.path}: ${burst.failureCount - burst.failures.length} more`] : []),
  ]);
  const title = `streams500: ${result.streams} streams opened at once on each path, each echoing ${result.wordsPerStream + 1} tokens at ${result.tokensPerSecond} tokens/s; "added" = beyond the pacing (${1000 / result.tokensPerSecond} ms between tokens); every stream's tokens checked against its own prompt; CPU from /proc over the burst`;
  return [`${title}\n\n${table}`, ...(failures.length > 0 ? [`streams500 failures:\n${failures.join('\n')}`] : [])].join('\n\n');
}

function transportText(burst: TransportBurst): string {
  if (!burst.transport) return 'direct';
  const { asked, used } = burst.transport;
  return used === asked ? asked : `${used ?? 'n/a'} (asked ${asked})`;
}

function cpuText(entry: ProcessCpu): string {
  if (entry.seconds === undefined) return `${entry.name} n/a`;
  return `${entry.name} ${entry.seconds.toFixed(2)} (${(entry.percentOfCore ?? 0).toFixed(0)} %)`;
}

function spread(summary: LatencySummary): string {
  return `${fixed(summary.p50)}/${fixed(summary.p99)}/${fixed(summary.max)}`;
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : 'n/a';
}
