import { auditUserLabel, formatMaybeMilliseconds, type AuditRecordView } from '@mcpctl/protocol';
import type { Column } from '../../printer.js';
import type { ResourcePresentation } from '../resource-presentation.js';
import { READ_ONLY_KINDS } from '../../documents/read-only-kinds.js';

/** Longest error shown in a table cell; `-o json|yaml` has the whole text. */
const ERROR_WIDTH = 60;

/** `get audit`: one row per inference, newest first. Times in ms; `-` where nothing was measured. */
const AUDIT_COLUMNS: ReadonlyArray<Column<AuditRecordView>> = [
  { header: 'time', value: (record) => record.at },
  { header: 'user', value: (record) => auditUserLabel(record) },
  { header: 'llm', value: (record) => record.llmName },
  { header: 'served-by', value: (record) => (record.servedBy === record.llmName ? null : record.servedBy), wideOnly: true },
  { header: 'agent', value: (record) => record.agentName, wideOnly: true },
  { header: 'status', value: (record) => record.status },
  { header: 'latency', value: (record) => formatMaybeMilliseconds(record.latencyMs) },
  { header: 'ttft', value: (record) => formatMaybeMilliseconds(record.firstTokenMs) },
  { header: 'queue', value: (record) => formatMaybeMilliseconds(record.queueMs), wideOnly: true },
  { header: 'tokens', value: (record) => tokens(record) },
  { header: 'stream', value: (record) => (record.streaming ? 'yes' : 'no'), wideOnly: true },
  { header: 'id', value: (record) => record.id, wideOnly: true },
  { header: 'request-id', value: (record) => record.requestId, wideOnly: true },
  // Among replicas, to an operator: which mcpd answered.
  { header: 'replica', value: (record) => record.replica, wideOnly: true, whenTold: true },
  { header: 'error', value: (record) => shortError(record.error) },
];

export const AUDIT_PRESENTATION: ResourcePresentation<AuditRecordView> = {
  kind: 'AuditRecord',
  plural: 'audit records',
  columns: AUDIT_COLUMNS,
  toYamlDocument: (record) => ({ value: { kind: 'AuditRecord', ...record }, comment: READ_ONLY_KINDS.AuditRecord }),
};

/** Said under a full page: how to read the page before it. */
export function olderPageHint(records: readonly AuditRecordView[], limit: number): string | undefined {
  const last = records.at(-1);
  if (records.length < limit || last === undefined) return undefined;
  return `showing the newest ${limit}; older ones: --before ${last.id}`;
}

/** `prompt/completion`, as the upstream counted them. */
function tokens(record: AuditRecordView): string | null {
  if (record.promptTokens === null && record.completionTokens === null) return null;
  return `${record.promptTokens ?? '-'}/${record.completionTokens ?? '-'}`;
}

function shortError(error: string | null): string | null {
  if (error === null) return null;
  const line = error.replace(/\s+/g, ' ');
  return line.length > ERROR_WIDTH ? `${line.slice(0, ERROR_WIDTH - 1)}…` : line;
}
