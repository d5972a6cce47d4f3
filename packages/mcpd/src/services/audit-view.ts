import type { AuditRecordRow } from '@mcpctl/db';
import type { AuditRecordView } from '@mcpctl/protocol';

/** An audit record as `GET /api/v1/audit` answers it. */
export function toAuditView(row: AuditRecordRow): AuditRecordView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    userId: row.userId,
    userName: row.userName,
    llmName: row.llmName,
    servedBy: row.servedBy,
    endpoint: row.endpoint,
    streaming: row.streaming,
    status: row.status,
    latencyMs: row.latencyMs,
    firstTokenMs: row.firstTokenMs,
    queueMs: row.queueMs,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    error: row.error,
    agentName: row.agentName,
  };
}
