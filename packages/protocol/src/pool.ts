import { z } from 'zod';

/** A pool: every LLM sharing a `poolName`, as the caller may see them. */
export const poolViewSchema = z.object({
  name: z.string(),
  members: z.array(z.string()),
  active: z.number().int(),
  hibernating: z.number().int(),
  inactive: z.number().int(),
  inFlight: z.number().int(),
  queued: z.number().int(),
  /** How long the oldest queued request has waited, in ms (0 when none waits). */
  oldestWaitMs: z.number().default(0),
});
export type PoolView = z.infer<typeof poolViewSchema>;

/** `x-mcpctl-wait-seconds`: how long a request may wait for an offline LLM to come back. */
export const WAIT_SECONDS_HEADER = 'x-mcpctl-wait-seconds';
/** Names the LLM (pool member) that answered. */
export const SERVED_BY_HEADER = 'x-mcpctl-served-by';
