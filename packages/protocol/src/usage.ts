import { z } from 'zod';
import { timePointSchema } from './time-window.js';

/** What usage is counted per: the user who asked, the LLM (or pool) asked for, or the agent chatted with. */
export const usageDimensionSchema = z.enum(['user', 'llm', 'agent']);
export type UsageDimension = z.infer<typeof usageDimensionSchema>;

/** `GET /api/v1/usage?by=&since=&until=`: by LLM over the last 24 hours unless told. */
export const usageQuerySchema = z.object({
  by: usageDimensionSchema.default('llm'),
  since: timePointSchema.prefault('24h'),
  until: timePointSchema.optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

/** What is counted of a key's requests, over the window or in one hour. */
const usageCountsSchema = z.object({
  /** The user's, LLM's or agent's name; null for requests no user could be named for. */
  key: z.string().nullable(),
  requests: z.number().int(),
  /** Answers with a status of 400 or more. */
  errors: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
});

/** The counts of one key (user, LLM or agent) over the window. */
export const usageRowSchema = usageCountsSchema.extend({
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  /** Over the streamed answers that had a first token. */
  firstTokenP50Ms: z.number().nullable(),
  firstTokenP95Ms: z.number().nullable(),
});
export type UsageRow = z.infer<typeof usageRowSchema>;

/** One key's counts in one hour (UTC), for a chart. */
export const usageHourSchema = usageCountsSchema.extend({
  /** The hour's start, `2026-12-01T06:00:00Z`. */
  hour: z.string(),
});
export type UsageHour = z.infer<typeof usageHourSchema>;

export const usageReportSchema = z.object({
  by: usageDimensionSchema,
  since: z.string(),
  until: z.string(),
  /** Whose requests are counted: everyone's (`view:audit`), or the caller's own. */
  scope: z.enum(['everyone', 'own']),
  /** Most requests first. */
  rows: z.array(usageRowSchema),
  /** Oldest hour first; hours without requests are left out. */
  hours: z.array(usageHourSchema),
});
export type UsageReport = z.infer<typeof usageReportSchema>;
