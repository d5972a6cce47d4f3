import { auditRecordViewSchema, type AuditRecordView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';

export interface AuditOptions {
  llm?: string | undefined;
  user?: string | undefined;
  agent?: string | undefined;
  /** The `x-request-id` an answer came with. */
  requestId?: string | undefined;
  status?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** As typed; `checkQueryFlags` checks every flag with the API's rules first. */
  limit: string;
  before?: string | undefined;
}

/** One page of audit records, newest first: `GET /api/v1/audit`, the filters sent as typed. */
export function listAudit(client: ApiClient, options: AuditOptions): Promise<AuditRecordView[]> {
  const query = new URLSearchParams();
  for (const name of ['limit', 'llm', 'user', 'agent', 'requestId', 'status', 'since', 'until', 'before'] as const) {
    const value = options[name];
    if (value !== undefined) query.set(name, value);
  }
  return client.get(`/api/v1/audit?${query.toString()}`, auditRecordViewSchema.array());
}
