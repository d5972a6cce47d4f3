import type { LatencySummary } from './latency-summary.js';
import { formatTable } from './text-table.js';
import type { WakeFigures } from './wake-overhead.js';

/** The wake measurement for people: where the wait went, then each sample. */
export function formatWake(wake: WakeFigures): string {
  const delays = [...new Set(wake.samples.map((sample) => sample.wakeDelayMs))].join('/');
  const summary = formatTable(
    [
      { header: 'part of the wait', align: 'left' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p90 ms', align: 'right' },
      { header: 'max ms', align: 'right' },
    ],
    [
      row('request → wake call (mcpd sends the wake task, mcplocal runs the recipe)', wake.untilWakeCallMs),
      row("backend ready → mcplocal's probe sees it", wake.probeLagMs),
      row('probe → answer (wake result, row flips, request relayed)', wake.afterDetectionMs),
      row('backend ready → answer (the overhead)', wake.overheadMs),
      row('request → answer (total)', wake.totalMs),
    ],
  );
  const samples = formatTable(
    [
      { header: 'LLM', align: 'left' },
      { header: 'status', align: 'right' },
      { header: 'set delay ms', align: 'right' },
      { header: 'until wake call ms', align: 'right' },
      { header: 'backend wake ms', align: 'right' },
      { header: 'probe lag ms', align: 'right' },
      { header: 'overhead ms', align: 'right' },
      { header: 'total ms', align: 'right' },
    ],
    wake.samples.map((sample) => [
      sample.llm,
      String(sample.status),
      String(sample.wakeDelayMs),
      format(sample.untilWakeCallMs),
      format(sample.backendWakeMs),
      sample.probeLagMs === undefined ? 'n/a' : format(sample.probeLagMs),
      format(sample.overheadMs),
      format(sample.totalMs),
    ]),
  );
  return [
    `wake: ${wake.samples.length} hibernating LLMs, one request each, backend up ${delays} ms after its wake call; every instant on the bench's clock (the backends run in the bench process)\n\n${summary}`,
    samples,
  ].join('\n\n');
}

function row(label: string, summary: LatencySummary): string[] {
  return [label, format(summary.p50), format(summary.p90), format(summary.max)];
}

function format(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : 'n/a';
}
