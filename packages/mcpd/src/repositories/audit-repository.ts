import { and, desc, eq, type SQL } from 'drizzle-orm';
import { auditRecords, type AuditRecordRow, type Database, type NewAuditRecordRow } from '@mcpctl/db';

export interface AuditFilter {
  limit: number;
  llmName?: string | undefined;
  userName?: string | undefined;
}

export class AuditRepository {
  constructor(private readonly db: Database) {}

  async insertMany(records: NewAuditRecordRow[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.insert(auditRecords).values(records);
  }

  /** Newest first. */
  async list(filter: AuditFilter): Promise<AuditRecordRow[]> {
    const conditions: SQL[] = [];
    if (filter.llmName) conditions.push(eq(auditRecords.llmName, filter.llmName));
    if (filter.userName) conditions.push(eq(auditRecords.userName, filter.userName));
    return this.db
      .select()
      .from(auditRecords)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(auditRecords.id))
      .limit(filter.limit);
  }
}
