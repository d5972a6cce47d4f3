import type { AuditRecordView } from '@mcpctl/protocol';
import type { AuditListRow } from '../repositories/audit-repository.js';

/** An audit record as `GET /api/v1/audit` answers it; `replica` says whether the caller is told which replica answered. */
export function toAuditView(row: AuditListRow, show: { replica: boolean } = { replica: false }): AuditRecordView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    userId: row.userId,
    userName: row.userName,
    userDeleted: row.userDeleted,
    llmName: row.llmName,
    servedBy: row.servedBy,
    endpoint: row.endpoint,
    streaming: row.streaming,
    status: row.status,
    latencyMs: toMicroseconds(row.latencyMs),
    firstTokenMs: row.firstTokenMs === null ? null : toMicroseconds(row.firstTokenMs),
    queueMs: row.queueMs === null ? null : toMicroseconds(row.queueMs),
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    error: row.error,
    agentName: row.agentName,
    requestId: row.requestId,
    ...(show.replica && row.replica !== null ? { replica: row.replica } : {}),
  };
}

/** Durations are measured to the nanosecond and stored as they came; shown to the microsecond (`635.563`, not `635.5625789999904`). */
function toMicroseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
