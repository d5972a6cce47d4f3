import { z } from 'zod';
import { agentViewSchema } from './agent.js';
import { llmViewSchema, providerTransportSchema } from './llm.js';
import { poolViewSchema } from './pool.js';
import { statusViewSchema } from './status.js';

/** A publisher's session as an admin (or its owner) sees it: who, how connected since when, what it publishes. */
export const providerSessionViewSchema = z.object({
  /** The reference `describe llm` shows, never the secret id. */
  ref: z.string(),
  owner: z.string(),
  connected: z.boolean(),
  transport: providerTransportSchema.nullable(),
  /** When its open control connection was made; null while none is open. */
  connectedAt: z.string().nullable(),
  lastHeartbeatAt: z.string().nullable(),
  createdAt: z.string(),
  /** The LLM rows it publishes. */
  llms: z.array(z.string()),
  /** Among replicas, to an admin: the replica holding its connection (null while none does). */
  replica: z.string().nullable().optional(),
});
export type ProviderSessionView = z.infer<typeof providerSessionViewSchema>;

/**
 * Whether the caller's grants let it run the row (`run:llms` on an LLM, `run:agents` on an
 * agent), judged by mcpd as inference judges it. What the caller may see is the lists' own
 * filter; an agent also needs `run:llms` on the LLM behind it, which its LLM's row tells.
 */
const mayRun = z.boolean();

/** An LLM with what it is doing right now, as this replica counts it, and whether the caller may run it. */
export const liveLlmViewSchema = llmViewSchema.extend({
  inFlight: z.number().int(),
  queued: z.number().int(),
  mayRun,
});
export type LiveLlmView = z.infer<typeof liveLlmViewSchema>;

/** An agent, and whether the caller may chat with it. */
export const liveAgentViewSchema = agentViewSchema.extend({ mayRun });
export type LiveAgentView = z.infer<typeof liveAgentViewSchema>;

/**
 * `GET /api/v1/events` (SSE): each event carries the whole current list of its kind as the caller
 * may see it, sent when it changed. `sessions` lists every session for admins, the caller's own
 * for others. `access` is the caller as `GET /api/v1/status` names it (role and grants), sent when
 * a change of role or binding changed it, whether or not any list changed with it.
 */
export const liveEventSchemas = {
  llms: z.array(liveLlmViewSchema),
  pools: z.array(poolViewSchema),
  agents: z.array(liveAgentViewSchema),
  sessions: z.array(providerSessionViewSchema),
  access: statusViewSchema.shape.user,
} as const;
export type LiveEventName = keyof typeof liveEventSchemas;
export type LiveEventData = { [Name in LiveEventName]: z.infer<(typeof liveEventSchemas)[Name]> };
export const LIVE_EVENT_NAMES = Object.keys(liveEventSchemas) as LiveEventName[];
