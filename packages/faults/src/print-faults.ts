import { formatTable } from '@mcpctl/bench';
import type { FaultReport, ScenarioResult } from './fault-report.js';

/** One scenario as a block: its settings, then a row per figure, PASS or MISS beside its target. */
export function formatScenario(result: ScenarioResult): string {
  const lines = [`item ${result.item}: ${result.title} (${result.seconds.toFixed(0)} s) — ${result.met ? 'met' : 'MISSED'}`];
  for (const setting of result.settings) lines.push(`  setting: ${setting}`);
  const rows = result.figures.map((figure) => [figure.met ? 'PASS' : 'MISS', figure.name, figure.measured, figure.target]);
  if (result.failure) rows.push(['MISS', 'scenario', result.failure, 'finishes']);
  const table = formatTable(
    [
      { header: '', align: 'left' },
      { header: 'figure', align: 'left' },
      { header: 'measured', align: 'left' },
      { header: 'target', align: 'left' },
    ],
    rows,
  );
  return `${lines.join('\n')}\n\n${table}\n`;
}

/** The closing summary: a row per scenario and the count that CI adds to its own. */
export function formatSummary(report: FaultReport): string {
  const rows = report.results.map((result) => [
    String(result.item),
    result.title,
    `${result.figures.filter((figure) => figure.met).length}/${result.figures.length}${result.failure ? ' (cut short)' : ''}`,
    `${result.seconds.toFixed(0)} s`,
    result.met ? 'met' : 'MISSED',
  ]);
  const table = formatTable(
    [
      { header: 'item', align: 'right' },
      { header: 'scenario', align: 'left' },
      { header: 'figures met', align: 'right' },
      { header: 'time', align: 'right' },
      { header: 'verdict', align: 'left' },
    ],
    rows,
  );
  return `${table}\n\nfaults: ${report.passed} scenario(s) met every target, ${report.failed} missed, in ${report.seconds.toFixed(0)} s\n`;
}
