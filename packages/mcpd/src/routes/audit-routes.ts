import type { FastifyInstance } from 'fastify';
import { auditQuerySchema, usageQuerySchema, type AuditRecordView, type UsageReport } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';
import { parseQuery } from './parse-request-part.js';

export function auditRoutes(app: FastifyInstance, { audit }: Services): void {
  app.get('/api/v1/audit', async (request): Promise<AuditRecordView[]> => audit.list(request.principal, parseQuery(auditQuerySchema, request.query)));
  app.get('/api/v1/usage', async (request): Promise<UsageReport> => audit.usage(request.principal, parseQuery(usageQuerySchema, request.query)));
}
