import type { FastifyInstance } from 'fastify';
import { auditQuerySchema, type AuditRecordView } from '@mcpctl/protocol';
import type { AuditRecordRow } from '@mcpctl/db';
import type { Services } from '../services/services.js';

export function auditRoutes(app: FastifyInstance, { audit, auditWriter }: Services): void {
  // `view:audit` (admins) reads every record; everyone else reads their own.
  app.get('/api/v1/audit', async (request): Promise<AuditRecordView[]> => {
    const query = auditQuerySchema.parse(request.query);
    const userName = request.principal.can('view', 'audit') ? query.user : request.principal.userName;
    // Records of this replica still waiting for their batch are written first.
    await auditWriter.flush();
    const rows = await audit.list({ limit: query.limit, llmName: query.llm, userName });
    return rows.map(toAuditView);
  });
}

function toAuditView(row: AuditRecordRow): AuditRecordView {
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
  };
}
