import type { Clock } from '@mcpctl/clock';
import { resolveTimePoint, type AuditQuery, type AuditRecordView, type UsageQuery, type UsageReport } from '@mcpctl/protocol';
import { badRequest } from '../errors.js';
import type { Principal } from '../rbac/principal.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { AuditWriter } from './audit-writer.js';
import { toAuditView } from './audit-view.js';

/** Reading the audit and the usage counted from it: who may see whose records. */
export class AuditService {
  constructor(
    private readonly records: AuditRepository,
    private readonly writer: AuditWriter,
    private readonly clock: Clock,
  ) {}

  /** `view:audit` (admins) reads every record, or one user's; everyone else reads their own. Newest first, paged by `before`. */
  async list(principal: Principal, query: AuditQuery): Promise<AuditRecordView[]> {
    const userName = principal.can('view', 'audit') ? query.user : principal.userName;
    const now = this.clock.now();
    // Records of this replica still waiting for their batch are written first.
    await this.writer.flush();
    const rows = await this.records.list({
      limit: query.limit,
      llmName: query.llm,
      userName,
      agentName: query.agent,
      status: query.status,
      since: query.since && resolveTimePoint(query.since, now),
      until: query.until && resolveTimePoint(query.until, now),
      beforeId: query.before === undefined ? undefined : Number(query.before),
    });
    return rows.map(toAuditView);
  }

  /** Usage per user, LLM or agent over a window: everyone's with `view:audit`, else the caller's own. */
  async usage(principal: Principal, query: UsageQuery): Promise<UsageReport> {
    const now = this.clock.now();
    const since = resolveTimePoint(query.since, now);
    const until = query.until ? resolveTimePoint(query.until, now) : now;
    if (since >= until) throw badRequest(`since (${since.toISOString()}) must be before until (${until.toISOString()})`);
    const everyone = principal.can('view', 'audit');
    await this.writer.flush();
    const filter = { by: query.by, since, until, userId: everyone ? undefined : principal.userId };
    const [rows, hours] = await Promise.all([this.records.usage(filter), this.records.usageByHour(filter)]);
    return { by: query.by, since: since.toISOString(), until: until.toISOString(), scope: everyone ? 'everyone' : 'own', rows, hours };
  }
}
