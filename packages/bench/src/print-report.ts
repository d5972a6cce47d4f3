import type { BenchReport, ScenarioResult, TargetVerdict } from './bench-report.js';
import type { LatencySummary } from './latency-summary.js';
import { formatStreamsBurst } from './print-streams-burst.js';
import { formatFleet } from './print-fleet.js';
import { formatFloor } from './print-floor.js';
import { formatWake } from './print-wake.js';
import { FALLBACK_TRANSPORT, scenarioLabel } from './scenarios.js';
import type { AddedLatency, ProbeComparison } from './sequential-probe.js';
import { formatTable, type Column } from './text-table.js';

/** The report for people: one group per compared pair of paths, then targets, then any problem, loudly. */
export function formatReport(report: BenchReport): string {
  const { machine, settings } = report;
  const sections: string[] = [
    `command: ${report.command}`,
    `date: ${report.date}`,
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load average ${machine.loadAverageAtStart} at start, ${report.loadAverageAtEnd} at end${report.stealPercent === undefined ? '' : `, host steal ${report.stealPercent} % of the CPU time during the run`}`,
    `parts: ${settings.parts.join(', ')}${settings.reference ? ', bare-proxy reference (one and two hops)' : ''}`,
    `load runs: ${settings.durationSeconds} s per path per scenario after ${settings.warmupSeconds} s warm-up; answers of ${settings.tokenCount} tokens, unpaced`,
    ...report.transports.map(
      (relay) =>
        `${relay.path}: mcplocal with MCPLOCAL_PROVIDER_TRANSPORT=${relay.asked}; mcpd says its session used ${relay.used ?? 'n/a'} at the start, ${relay.usedAtEnd ?? 'n/a'} at the end`,
    ),
  ];
  const usedTransport = new Map(report.transports.map((relay) => [relay.path, relay.used]));
  for (const [title, results] of groups(report.results)) sections.push(formatGroup(title, results, settings.probeSamples, usedTransport));
  if (report.streamsBurst) sections.push(formatStreamsBurst(report.streamsBurst));
  if (report.wake) sections.push(formatWake(report.wake));
  if (report.fleet) sections.push(formatFleet(report.fleet));
  const verdicts = [
    ...report.results.flatMap((result) => result.verdicts),
    ...(report.streamsBurst?.verdicts ?? []),
    ...(report.wake ? [report.wake.verdict] : []),
    ...(report.fleet?.verdicts ?? []),
  ];
  const held = verdicts.filter((verdict) => verdict.held);
  const shown = verdicts.filter((verdict) => !verdict.held);
  const floor = formatFloor(report.results);
  if (floor) sections.push(floor);
  if (held.length > 0) sections.push(['targets:', ...held.map((verdict) => verdictLine(verdict.met ? 'met' : 'MISSED', verdict))].join('\n'));
  if (shown.length > 0) {
    sections.push(
      [
        `the ${FALLBACK_TRANSPORT} fallback beside the same targets (SSE + POST, one POST per result, kept as older mcplocal builds speak it: shown, not held to them):`,
        ...shown.map((verdict) => verdictLine(verdict.met ? 'within' : 'beyond', verdict)),
      ].join('\n'),
    );
  }
  if (report.warnings.length > 0) sections.push(report.warnings.map((warning) => `warning: ${warning}`).join('\n'));
  if (report.problems.length > 0) {
    sections.push(
      [
        "!!! THIS RUN HAD ERRORS: the figures of these runs are not trustworthy",
        ...report.problems.map((problem) => `!!!   ${problem}`),
      ].join('\n'),
    );
  }
  return `${sections.join('\n\n')}\n`;
}

/** One line per target: the word for how it went, padded to the longest, then the target and the figure. */
function verdictLine(word: string, verdict: TargetVerdict): string {
  return `  ${word.padEnd(6)}  ${verdict.target}: ${measuredText(verdict)} (${verdict.source})`;
}

function groups(results: readonly ScenarioResult[]): Map<string, ScenarioResult[]> {
  const grouped = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    const title = `${result.scenario.path} vs ${result.scenario.baseline}`;
    grouped.set(title, [...(grouped.get(title) ?? []), result]);
  }
  return grouped;
}

/** A verdict's figure in its unit: `31.2 %`, `0.54×`, `0.42 ms`, `38.1 µs`, `500/500 streams`. */
export function measuredText(verdict: TargetVerdict): string {
  switch (verdict.unit) {
    case '%':
      return `${verdict.measured.toFixed(1)} %`;
    case '×':
      return `${format(verdict.measured)}×`;
    case 'ms':
      return `${format(verdict.measured)} ms`;
    case 'MiB':
      return `${verdict.measured.toFixed(0)} MiB`;
    case 'µs':
      return `${Number.isFinite(verdict.measured) ? verdict.measured.toFixed(1) : 'n/a'} µs`;
    case 'streams':
      return `${verdict.measured}/${verdict.limit} streams`;
  }
}

function formatGroup(title: string, results: readonly ScenarioResult[], probeSamples: number, usedTransport: ReadonlyMap<string, string | null>): string {
  const { path, baseline } = results[0]!.scenario;
  const transport = usedTransport.has(path) ? ` (session transport per mcpd: ${usedTransport.get(path) ?? 'n/a'})` : '';
  const load = formatTable(
    [
      { header: 'scenario', align: 'left' },
      { header: 'conns', align: 'right' },
      { header: `${baseline} req/s`, align: 'right' },
      { header: `${path} req/s`, align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: `${baseline} p50/p99 ms`, align: 'right' },
      { header: `${path} p50/p99 ms`, align: 'right' },
      { header: 'added p50 ms', align: 'right' },
      { header: 'server CPU ms/req', align: 'right' },
      { header: 'gateway CPU µs/chunk', align: 'right' },
      { header: 'client CPU %', align: 'right' },
      { header: 'non-2xx/errors', align: 'right' },
      { header: 'host steal %', align: 'right' },
    ],
    results.map((result) => [
      scenarioLabel(result.scenario),
      String(result.scenario.connections),
      result.baseline.requestsPerSecond.toFixed(0),
      result.path.requestsPerSecond.toFixed(0),
      result.scenario.ratioAs === '×' ? `${format(result.throughputRatio)}×` : `${(result.throughputRatio * 100).toFixed(1)} %`,
      pair(result.baseline.latencyMs),
      pair(result.path.latencyMs),
      format(result.addedP50Ms),
      `${optional(result.baseline.serverCpuMsPerRequest, 3)}/${optional(result.path.serverCpuMsPerRequest, 3)}`,
      result.scenario.streaming ? `${optional(result.baseline.gatewayCpuMicrosPerChunk, 1)}/${optional(result.path.gatewayCpuMicrosPerChunk, 1)}` : '',
      `${result.baseline.clientCpuPercent.toFixed(0)}/${result.path.clientCpuPercent.toFixed(0)}`,
      `${result.baseline.non2xx + result.path.non2xx}/${result.baseline.errors + result.path.errors}`,
      optional(result.stealPercent, 1),
    ]),
  );
  const sections = [
    `${title}${transport}: load (autocannon; whole-response latency from its per-response hrtime; server CPU = every server process on the path, per 2xx answer; gateway CPU = the path's own processes (mcpd, mcplocal, the bare proxy; not the upstream) per streamed JSON chunk; client CPU = the load generator, % of one core; host steal = the machine's CPU time the host took over these runs)\n\n${load}`,
  ];
  const probed = results.filter((result): result is ScenarioResult & { probe: ProbeComparison } => result.probe !== undefined);
  if (probed.length > 0) {
    const columns: Column[] = [
      { header: 'scenario', align: 'left' },
      { header: 'measure', align: 'left' },
      { header: `${baseline} p50/p99 ms`, align: 'right' },
      { header: `${path} p50/p99 ms`, align: 'right' },
      { header: 'added p50/p99 ms', align: 'right' },
      { header: 'paired added p50 ms', align: 'right' },
    ];
    const rows = probed.flatMap(({ scenario, probe }) => {
      const label = scenarioLabel(scenario);
      const whole = [label, 'whole response', pair(probe.baseline.totalMs), pair(probe.path.totalMs), added(probe.addedMs), format(probe.pairedAddedP50Ms)];
      if (!probe.baseline.firstTokenMs || !probe.path.firstTokenMs || !probe.addedFirstTokenMs) return [whole];
      const first = [label, 'first token', pair(probe.baseline.firstTokenMs), pair(probe.path.firstTokenMs), added(probe.addedFirstTokenMs), ''];
      return [first, whole];
    });
    sections.push(
      `${title}: sequential probe (1 connection each, ${probeSamples} alternating request pairs, hrtime)\n\n${formatTable(columns, rows)}`,
    );
  }
  return sections.join('\n\n');
}

function pair(summary: LatencySummary): string {
  return `${format(summary.p50)}/${format(summary.p99)}`;
}

function added(latency: AddedLatency): string {
  return `${format(latency.p50)}/${format(latency.p99)}`;
}

function optional(value: number | undefined, digits: number): string {
  return value === undefined ? 'n/a' : value.toFixed(digits);
}

function format(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a';
}
