import { z } from 'zod';
import { llmViewSchema } from './llm.js';

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
  /**
   * Members that failed before their answer started a moment ago, which the others go before
   * until `msLeft` passes (MCPD_POOL_MEMBER_COOLDOWN_SECONDS); absent from an older mcpd's view.
   */
  coolingDown: z.array(z.object({ name: z.string(), msLeft: z.number().int().min(0) })).default([]),
});
export type PoolView = z.infer<typeof poolViewSchema>;

/** `GET /api/v1/llms/NAME`: the LLM of that name or id, else the pool of that name. */
export const llmOrPoolViewSchema = z.union([llmViewSchema, poolViewSchema]);
export type LlmOrPoolView = z.infer<typeof llmOrPoolViewSchema>;

/** Tells the pool view from an LLM view in an answer of `GET /api/v1/llms/NAME`. */
export function isPoolView(view: LlmOrPoolView): view is PoolView {
  return 'members' in view;
}

/** `x-mcpctl-wait-seconds`: how long a request may wait for an offline LLM to come back. */
export const WAIT_SECONDS_HEADER = 'x-mcpctl-wait-seconds';
/** Names the LLM (pool member) that answered. */
export const SERVED_BY_HEADER = 'x-mcpctl-served-by';
