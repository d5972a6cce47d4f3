import { z } from 'zod';
import { timePointSchema } from './time-window.js';

/** One inference, as `GET /api/v1/audit` answers it. */
export const auditRecordViewSchema = z.object({
  id: z.string(),
  at: z.string(),
  userId: z.string().nullable(),
  /** The user's name when the call was made. */
  userName: z.string().nullable(),
  /** Whether that user was deleted since (absent from older servers). */
  userDeleted: z.boolean().default(false),
  llmName: z.string(),
  servedBy: z.string().nullable(),
  endpoint: z.string(),
  streaming: z.boolean(),
  status: z.number().int(),
  latencyMs: z.number(),
  firstTokenMs: z.number().nullable(),
  queueMs: z.number().nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  error: z.string().nullable(),
  /** The agent chatted with, when the request came through one (absent from older servers). */
  agentName: z.string().nullable().default(null),
  /** The `x-request-id` mcpd answered the request with (absent from older servers). */
  requestId: z.string().nullable().default(null),
  /** Among replicas, the one that answered the caller (its id: host name and a random part); shown to callers with `view:audit`. */
  replica: z.string().optional(),
});
export type AuditRecordView = z.infer<typeof auditRecordViewSchema>;

const LIMIT_ERROR = 'limit is a whole number from 1 to 1000';
const STATUS_ERROR = 'status is ok, error, or an HTTP status from 100 to 599';
const BEFORE_ERROR = 'before is the id of a record (a whole number above 0)';

/**
 * How usage by user names a user deleted since (`alice (deleted)`), apart from a user made again
 * under the name; an admin's audit filter takes it back. Names hold no spaces, so it meets none.
 */
export const DELETED_USER_SUFFIX = ' (deleted)';

/** The deleted user's name a `user` filter of `NAME (deleted)` asks for; undefined for any other name. */
export function deletedUserOf(name: string): string | undefined {
  return name.endsWith(DELETED_USER_SUFFIX) ? name.slice(0, -DELETED_USER_SUFFIX.length) : undefined;
}

/** Who made a recorded call, as tables show it: the name a `user` filter takes back, `NAME (deleted)` for a user deleted since. */
export function auditUserLabel(record: Pick<AuditRecordView, 'userName' | 'userDeleted'>): string | null {
  return record.userName !== null && record.userDeleted ? `${record.userName}${DELETED_USER_SUFFIX}` : record.userName;
}

export const auditQuerySchema = z.object({
  limit: z.coerce.number({ error: LIMIT_ERROR }).int(LIMIT_ERROR).min(1, LIMIT_ERROR).max(1000, LIMIT_ERROR).default(100),
  llm: z.string().optional(),
  user: z.string().optional(),
  agent: z.string().optional(),
  /** One request's record, by the `x-request-id` mcpd answered it with. */
  requestId: z.string().optional(),
  /** `ok` (below 400), `error` (400 and above), or one status such as `503`. */
  status: z
    .union([z.enum(['ok', 'error'], { error: STATUS_ERROR }), z.coerce.number({ error: STATUS_ERROR }).int(STATUS_ERROR).min(100, STATUS_ERROR).max(599, STATUS_ERROR)], { error: STATUS_ERROR })
    .optional(),
  since: timePointSchema.optional(),
  until: timePointSchema.optional(),
  /** Paging: records older than this id (the last id of the page before). */
  before: z.coerce.number({ error: BEFORE_ERROR }).int(BEFORE_ERROR).positive(BEFORE_ERROR).max(Number.MAX_SAFE_INTEGER, BEFORE_ERROR).optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
