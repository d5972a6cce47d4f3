import type { Clock } from '@mcpctl/clock';
import { deletedUserOf, resolveTimePoint, timeWindowProblem, type AuditQuery, type AuditRecordView, type UsageQuery, type UsageReport } from '@mcpctl/protocol';
import { badRequest, forbidden } from '../errors.js';
import type { Principal } from '../rbac/principal.js';
import type { AuditFilter, AuditRepository } from '../repositories/audit-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';
import type { AuditWriter } from './audit-writer.js';
import { toAuditView } from './audit-view.js';

/** Reading the audit and the usage counted from it: who may see whose records. */
export class AuditService {
  constructor(
    private readonly records: AuditRepository,
    private readonly users: Pick<UserRepository, 'findByName'>,
    private readonly writer: AuditWriter,
    private readonly clock: Clock,
  ) {}

  /**
   * `view:audit` (admins) reads every record, or one user's: the user of that name now, by id, or
   * when there is none (or the name ends in ` (deleted)`, as usage by user shows them) the deleted
   * users' of that name. Everyone else reads their own, by id, and is refused a filter naming
   * another user: an answer of their own records would pass for that user's. Newest first, paged
   * by `before`.
   */
  async list(principal: Principal, query: AuditQuery): Promise<AuditRecordView[]> {
    const everyone = principal.can('view', 'audit');
    if (!everyone && query.user !== undefined && query.user !== principal.userName) {
      throw forbidden(`reading the audit records of ${query.user} needs the view:audit permission; without it you read your own (leave out the user filter)`);
    }
    const now = this.clock.now();
    const since = query.since && resolveTimePoint(query.since, now);
    const until = query.until && resolveTimePoint(query.until, now);
    // Without since, the newest records come first by id, `limit` of them: no window to bound.
    if (since) checkWindow(since, until ?? now);
    // Records of this replica still waiting for their batch are written first.
    await this.writer.flush();
    const rows = await this.records.list({
      limit: query.limit,
      llmName: query.llm,
      ...(everyone ? await this.#whose(query.user) : { userId: principal.userId }),
      agentName: query.agent,
      requestId: query.requestId,
      status: query.status,
      since,
      until,
      beforeId: query.before,
    });
    // Which replica answered is the operators' business: its id names a host.
    return rows.map((row) => toAuditView(row, { replica: everyone }));
  }

  /** An admin's user filter: the user of the name now, else the deleted ones of it. */
  async #whose(name: string | undefined): Promise<Pick<AuditFilter, 'userId' | 'deletedUserName'>> {
    if (name === undefined) return {};
    const deleted = deletedUserOf(name);
    const current = deleted === undefined ? await this.users.findByName(name) : undefined;
    return current ? { userId: current.id } : { deletedUserName: deleted ?? name };
  }

  /** Usage per user, LLM or agent over a window: everyone's with `view:audit`, else the caller's own. */
  async usage(principal: Principal, query: UsageQuery): Promise<UsageReport> {
    const now = this.clock.now();
    const since = resolveTimePoint(query.since, now);
    const until = query.until ? resolveTimePoint(query.until, now) : now;
    checkWindow(since, until);
    const everyone = principal.can('view', 'audit');
    await this.writer.flush();
    const filter = { by: query.by, since, until, userId: everyone ? undefined : principal.userId };
    const [rows, hours] = await Promise.all([this.records.usage(filter), this.records.usageByHour(filter)]);
    return { by: query.by, since: since.toISOString(), until: until.toISOString(), scope: everyone ? 'everyone' : 'own', rows, hours };
  }
}

/** A window that is one, and no longer than the most a query may reach (an index scan, not the whole table). */
function checkWindow(since: Date, until: Date): void {
  const problem = timeWindowProblem(since, until);
  if (problem !== undefined) throw badRequest(problem);
}
