import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { auditRecords, type AuditRecordRow, type Database, type NewAuditRecordRow } from '@mcpctl/db';

export interface AuditFilter {
  limit: number;
  llmName?: string | undefined;
  userName?: string | undefined;
}

export class AuditRepository {
  constructor(private readonly db: Database) {}

  /**
   * One statement and one parameter for the whole batch: a multi-row VALUES of hundreds of
   * rows costs the embedded database (which runs on mcpd's own thread) several times more.
   */
  async insertMany(records: NewAuditRecordRow[]): Promise<void> {
    if (records.length === 0) return;
    const rows = JSON.stringify(records.map(toJsonRow));
    await this.db.execute(sql`
      insert into audit_records (at, user_id, user_name, llm_name, served_by, endpoint, streaming, status,
        latency_ms, first_token_ms, queue_ms, prompt_tokens, completion_tokens, error)
      select at, user_id, user_name, llm_name, served_by, endpoint, streaming, status,
        latency_ms, first_token_ms, queue_ms, prompt_tokens, completion_tokens, error
      from jsonb_to_recordset(${rows}::jsonb) as r(at timestamptz, user_id text, user_name text, llm_name text,
        served_by text, endpoint text, streaming boolean, status int, latency_ms float8, first_token_ms float8,
        queue_ms float8, prompt_tokens int, completion_tokens int, error text)`);
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

function toJsonRow(record: NewAuditRecordRow) {
  return {
    at: record.at.toISOString(),
    user_id: record.userId ?? null,
    user_name: record.userName ?? null,
    llm_name: record.llmName,
    served_by: record.servedBy ?? null,
    endpoint: record.endpoint,
    streaming: record.streaming,
    status: record.status,
    latency_ms: record.latencyMs,
    first_token_ms: record.firstTokenMs ?? null,
    queue_ms: record.queueMs ?? null,
    prompt_tokens: record.promptTokens ?? null,
    completion_tokens: record.completionTokens ?? null,
    error: record.error ?? null,
  };
}
