import type { DatabaseHandle } from '@mcpctl/db';
import type { InferenceService } from '../inference/inference-service.js';
import type { McpdMetrics } from '../metrics.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { AuditWriter } from './audit-writer.js';
import type { AuthService } from './auth-service.js';
import type { LlmService } from './llm-service.js';

/** Everything the routes call, built once by `createServices`. */
export interface Services {
  database: DatabaseHandle;
  auth: AuthService;
  llms: LlmService;
  inference: InferenceService;
  audit: AuditRepository;
  auditWriter: AuditWriter;
  metrics: McpdMetrics;
  startedAt: Date;
}
