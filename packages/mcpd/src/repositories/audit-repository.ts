import { and, desc, eq, getTableColumns, getTableName, gte, lt, sql, type SQL } from 'drizzle-orm';
import { auditRecords, users, type AuditRecordRow, type CopyRows, type Database, type NewAuditRecordRow } from '@mcpctl/db';
import { DELETED_USER_SUFFIX, type UsageDimension, type UsageHour, type UsageRow } from '@mcpctl/protocol';
import { rawRows } from './raw-rows.js';

export interface AuditFilter {
  limit: number;
  llmName?: string | undefined;
  /** The records of users of this name that were deleted: a user of the name now has its own id. */
  deletedUserName?: string | undefined;
  /** One user's records by id: a user deleted and made again under the name never reads the old one's. */
  userId?: string | undefined;
  agentName?: string | undefined;
  /** The record of one request, by the `x-request-id` it was answered with. */
  requestId?: string | undefined;
  /** `ok` (below 400), `error` (400 and above), or one status. */
  status?: 'ok' | 'error' | number | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Records with a smaller id only: the next page. */
  beforeId?: number | undefined;
}

export interface UsageFilter {
  by: UsageDimension;
  since: Date;
  until: Date;
  /** One user's requests only (a caller without `view:audit`). */
  userId?: string | undefined;
}

/** A record stored with its user, as read beside the users now: whether that user was deleted since. */
export type AuditListRow = AuditRecordRow & { userDeleted: boolean };

/**
 * A record made by a user who was deleted since: a user id that the join on `users` (every
 * statement that asks this joins it) found no user for.
 */
const DELETED_USER_TEXT = 'audit_records.user_id is not null and users.id is null';
const BY_DELETED_USER = sql.raw(`(${DELETED_USER_TEXT})`);
const RECORDS_WITH_USERS = 'audit_records left join users on users.id = audit_records.user_id';

/**
 * The column each dimension groups by; by user, a deleted user's records are their own row. The
 * suffix is written into the statement, not bound: PostgreSQL matches the grouped expression to
 * the selected one by its text.
 */
const USAGE_KEYS: Record<UsageDimension, SQL> = {
  user: sql.raw(`case when ${DELETED_USER_TEXT} then user_name || '${DELETED_USER_SUFFIX}' else user_name end`),
  llm: sql.raw('llm_name'),
  agent: sql.raw('agent_name'),
};

/** What each dimension counts from: by user, the records beside the users they name, one join rather than a lookup per record. */
const USAGE_SOURCES: Record<UsageDimension, SQL> = {
  user: sql.raw(RECORDS_WITH_USERS),
  llm: sql.raw('audit_records'),
  agent: sql.raw('audit_records'),
};

type AuditField = Exclude<keyof NewAuditRecordRow, 'id'>;

/**
 * The SQL type of every field a record stores: a `Record`, so a column added to the schema and
 * not here fails to compile instead of going unstored.
 */
const AUDIT_FIELD_TYPES: Record<AuditField, string> = {
  at: 'timestamptz',
  userId: 'text',
  userName: 'text',
  llmName: 'text',
  servedBy: 'text',
  endpoint: 'text',
  streaming: 'boolean',
  status: 'int',
  latencyMs: 'float8',
  firstTokenMs: 'float8',
  queueMs: 'float8',
  promptTokens: 'int',
  completionTokens: 'int',
  error: 'text',
  agentName: 'text',
  requestId: 'text',
  replica: 'text',
};
const AUDIT_FIELDS = Object.keys(AUDIT_FIELD_TYPES) as AuditField[];
const AUDIT_COLUMNS = AUDIT_FIELDS.map((field) => auditRecords[field].name);
const AUDIT_COLUMN_LIST = sql.raw(AUDIT_COLUMNS.join(', '));
const AUDIT_TABLE = getTableName(auditRecords);

export class AuditRepository {
  /**
   * `copyRows`: the database's bulk load, where it has a cheaper one than an insert (the embedded
   * database). It works outside transactions, so with it `db` must be the database itself.
   */
  constructor(
    private readonly db: Database,
    private readonly copyRows?: CopyRows | undefined,
    /** Among replicas: this process's id, stored with every record it writes (which replica answered). */
    private readonly replica?: string | undefined,
  ) {}

  /**
   * One statement for the whole batch, all rows or none: a COPY where the database offers a
   * cheap one, else an insert with one array parameter per column. On the embedded database
   * (PostgreSQL's work done in mcpd's process) the insert costs about half of what the same rows cost as
   * one JSON parameter once batches reach a few hundred rows, and a multi-row VALUES several
   * times more; the COPY costs about 0.7× the insert's CPU per row at 100 to 500 rows.
   */
  async insertMany(batch: NewAuditRecordRow[]): Promise<void> {
    if (batch.length === 0) return;
    const records = this.replica === undefined ? batch : batch.map((record) => ({ ...record, replica: record.replica ?? this.replica }));
    if (this.copyRows) {
      await this.copyRows(AUDIT_TABLE, AUDIT_COLUMNS, records.map((record) => AUDIT_FIELDS.map((field) => record[field])));
      return;
    }
    const arrays = AUDIT_FIELDS.map((field) => {
      const values = records.map((record) => {
        const value = record[field];
        return value instanceof Date ? value.toISOString() : (value ?? null);
      });
      return sql`${sql.param(values)}::${sql.raw(AUDIT_FIELD_TYPES[field])}[]`;
    });
    await this.db.execute(sql`insert into audit_records (${AUDIT_COLUMN_LIST}) select * from unnest(${sql.join(arrays, sql`, `)})`);
  }

  /** Newest first, each with whether its user was deleted since. */
  async list(filter: AuditFilter): Promise<AuditListRow[]> {
    const conditions: SQL[] = [];
    if (filter.llmName) conditions.push(eq(auditRecords.llmName, filter.llmName));
    if (filter.deletedUserName) conditions.push(eq(auditRecords.userName, filter.deletedUserName), BY_DELETED_USER);
    if (filter.userId) conditions.push(eq(auditRecords.userId, filter.userId));
    if (filter.agentName) conditions.push(eq(auditRecords.agentName, filter.agentName));
    if (filter.requestId) conditions.push(eq(auditRecords.requestId, filter.requestId));
    if (filter.status === 'ok') conditions.push(lt(auditRecords.status, 400));
    else if (filter.status === 'error') conditions.push(gte(auditRecords.status, 400));
    else if (filter.status !== undefined) conditions.push(eq(auditRecords.status, filter.status));
    if (filter.since) conditions.push(gte(auditRecords.at, filter.since));
    if (filter.until) conditions.push(lt(auditRecords.at, filter.until));
    if (filter.beforeId !== undefined) conditions.push(lt(auditRecords.id, filter.beforeId));
    return this.db
      .select({ ...getTableColumns(auditRecords), userDeleted: sql<boolean>`${BY_DELETED_USER}` })
      .from(auditRecords)
      .leftJoin(users, eq(users.id, auditRecords.userId))
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(auditRecords.id))
      .limit(filter.limit);
  }

  /**
   * Requests, errors, tokens and latency percentiles per key over the window, most requests
   * first. By agent, only requests that came through an agent count.
   */
  async usage(filter: UsageFilter): Promise<UsageRow[]> {
    const key = USAGE_KEYS[filter.by];
    const rows = await rawRows<Record<string, unknown>>(
      this.db,
      sql`select ${key} as key, count(*) as requests, count(*) filter (where status >= 400) as errors,
          coalesce(sum(prompt_tokens), 0) as prompt_tokens, coalesce(sum(completion_tokens), 0) as completion_tokens,
          percentile_cont(0.5) within group (order by latency_ms) filter (where status < 400) as latency_p50,
          percentile_cont(0.95) within group (order by latency_ms) filter (where status < 400) as latency_p95,
          percentile_cont(0.5) within group (order by first_token_ms) filter (where streaming and status < 400 and first_token_ms is not null) as first_token_p50,
          percentile_cont(0.95) within group (order by first_token_ms) filter (where streaming and status < 400 and first_token_ms is not null) as first_token_p95
        from ${USAGE_SOURCES[filter.by]} where ${this.#window(filter)}
        group by ${key} order by requests desc, key`,
    );
    return rows.map((row) => ({
      key: row.key as string | null,
      requests: Number(row.requests),
      errors: Number(row.errors),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      latencyP50Ms: millisecondsOrNull(row.latency_p50),
      latencyP95Ms: millisecondsOrNull(row.latency_p95),
      firstTokenP50Ms: millisecondsOrNull(row.first_token_p50),
      firstTokenP95Ms: millisecondsOrNull(row.first_token_p95),
    }));
  }

  /** The same counts per key and hour (UTC), oldest hour first. */
  async usageByHour(filter: UsageFilter): Promise<UsageHour[]> {
    const key = USAGE_KEYS[filter.by];
    const rows = await rawRows<Record<string, unknown>>(
      this.db,
      // The hour as text: no driver reads a zone into it.
      sql`select to_char(date_trunc('hour', at at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"') as hour, ${key} as key, count(*) as requests,
          count(*) filter (where status >= 400) as errors,
          coalesce(sum(prompt_tokens), 0) as prompt_tokens, coalesce(sum(completion_tokens), 0) as completion_tokens
        from ${USAGE_SOURCES[filter.by]} where ${this.#window(filter)}
        group by 1, 2 order by 1, 2`,
    );
    return rows.map((row) => ({
      hour: String(row.hour),
      key: row.key as string | null,
      requests: Number(row.requests),
      errors: Number(row.errors),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
    }));
  }

  #window(filter: UsageFilter): SQL {
    const conditions = [sql`at >= ${filter.since.toISOString()}::timestamptz`, sql`at < ${filter.until.toISOString()}::timestamptz`];
    if (filter.userId !== undefined) conditions.push(sql`user_id = ${filter.userId}`);
    if (filter.by === 'agent') conditions.push(sql`agent_name is not null`);
    return sql.join(conditions, sql` and `);
  }
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** A percentile of stored latencies, to the hundredth of a millisecond: interpolation adds digits nobody measured. */
function millisecondsOrNull(value: unknown): number | null {
  const ms = numberOrNull(value);
  return ms === null ? null : Math.round(ms * 100) / 100;
}

