import { z } from 'zod';

/** One inference, as `GET /api/v1/audit` answers it. */
export const auditRecordViewSchema = z.object({
  id: z.string(),
  at: z.string(),
  userId: z.string().nullable(),
  userName: z.string().nullable(),
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
});
export type AuditRecordView = z.infer<typeof auditRecordViewSchema>;

export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  llm: z.string().optional(),
  user: z.string().optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
