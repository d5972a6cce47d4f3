import { formatMaybeMilliseconds, type UsageDimension, type UsageReport, type UsageRow } from '@mcpctl/protocol';
import type { Column } from '../../printer.js';

/** `get usage`: one row per user, LLM or agent. Percentiles as durations (`870 ms`, `4.9 s`); `-` where nothing was measured. */
export function usageColumns(by: UsageDimension): ReadonlyArray<Column<UsageRow>> {
  return [
    { header: by, value: (row) => row.key ?? '(unknown)' },
    { header: 'requests', value: (row) => row.requests },
    { header: 'errors', value: (row) => row.errors },
    { header: 'prompt-tokens', value: (row) => row.promptTokens },
    { header: 'completion-tokens', value: (row) => row.completionTokens },
    { header: 'p50', value: (row) => formatMaybeMilliseconds(row.latencyP50Ms) },
    { header: 'p95', value: (row) => formatMaybeMilliseconds(row.latencyP95Ms) },
    { header: 'ttft-p50', value: (row) => formatMaybeMilliseconds(row.firstTokenP50Ms) },
    { header: 'ttft-p95', value: (row) => formatMaybeMilliseconds(row.firstTokenP95Ms), wideOnly: true },
  ];
}

/** The line above the table: what was counted, and whose. */
export function usageHeadline(report: UsageReport): string {
  const whose = report.scope === 'own' ? 'your requests' : "everyone's requests";
  return `usage by ${report.by}, ${whose}, ${report.since} to ${report.until}`;
}
