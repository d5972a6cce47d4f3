import type { AuditQuery, AuditRecordView } from '@mcpctl/protocol';
import type { Principal } from '../rbac/principal.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { AuditWriter } from './audit-writer.js';
import { toAuditView } from './audit-view.js';

/** Reading the audit: who may see whose records. */
export class AuditService {
  constructor(
    private readonly records: AuditRepository,
    private readonly writer: AuditWriter,
  ) {}

  /** `view:audit` (admins) reads every record, or one user's; everyone else reads their own. */
  async list(principal: Principal, query: AuditQuery): Promise<AuditRecordView[]> {
    const userName = principal.can('view', 'audit') ? query.user : principal.userName;
    // Records of this replica still waiting for their batch are written first.
    await this.writer.flush();
    const rows = await this.records.list({ limit: query.limit, llmName: query.llm, userName });
    return rows.map(toAuditView);
  }
}
