import type { FleetFigures } from './measure-fleet.js';
import { formatTable } from './text-table.js';

/** The fleet measurement for people: what one mcpd held, and the public path without and with it. */
export function formatFleet(fleet: FleetFigures): string {
  const lines = [
    `fleet: ${fleet.sessions} provider sessions on one mcpd, each on its own socket, beating every ${fleet.heartbeatIntervalMs / 1000} s (${fleet.beatsPerSecond.toFixed(0)} beats/s sent during the probe)`,
    `  registered in ${fleet.registerSeconds.toFixed(1)} s, connected in ${fleet.connectSeconds.toFixed(1)} s`,
    `  mcpd resident memory: ${fleet.rssMiB.before.toFixed(0)} MiB before the fleet, ${fleet.rssMiB.connected.toFixed(0)} MiB with it connected, ${fleet.rssMiB.peak.toFixed(0)} MiB at most from its first registration to the end`,
    `  mcpd CPU: ${percent(fleet.mcpdCpuPercent.beating)} of a core while the fleet only beats, ${percent(fleet.mcpdCpuPercent.beatingAndProbed)} while it beats and the probe runs`,
  ];
  const table = formatTable(
    [
      { header: 'public path, one request at a time', align: 'left' },
      { header: 'direct p50 ms', align: 'right' },
      { header: 'mcpd p50 ms', align: 'right' },
      { header: 'added p50 ms', align: 'right' },
      { header: 'paired added p50 ms', align: 'right' },
      { header: 'added p99 ms', align: 'right' },
    ],
    [
      ['without the fleet', fleet.quiet],
      ['while the fleet beats', fleet.beating],
    ].map(([label, probe]) => {
      const comparison = probe as FleetFigures['quiet'];
      return [
        label as string,
        comparison.baseline.totalMs.p50.toFixed(3),
        comparison.path.totalMs.p50.toFixed(3),
        comparison.addedMs.p50.toFixed(3),
        comparison.pairedAddedP50Ms.toFixed(3),
        comparison.addedMs.p99.toFixed(3),
      ];
    }),
  );
  return [...lines, table, `  added p50 while beating: ${fleet.addedP50Growth.toFixed(2)}× the added p50 without the fleet`].join('\n');
}

function percent(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(1)} %`;
}
