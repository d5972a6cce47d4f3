import type { FastifyInstance } from 'fastify';
import { auditQuerySchema, type AuditRecordView } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';

export function auditRoutes(app: FastifyInstance, { audit }: Services): void {
  app.get('/api/v1/audit', async (request): Promise<AuditRecordView[]> => audit.list(request.principal, auditQuerySchema.parse(request.query)));
}
