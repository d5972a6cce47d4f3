import { z } from 'zod';
import { agentViewSchema } from './agent.js';
import { llmViewSchema, providerTransportSchema } from './llm.js';
import { poolViewSchema } from './pool.js';

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
});
export type ProviderSessionView = z.infer<typeof providerSessionViewSchema>;

/** An LLM with what it is doing right now, as this replica counts it. */
export const liveLlmViewSchema = llmViewSchema.extend({
  inFlight: z.number().int(),
  queued: z.number().int(),
});
export type LiveLlmView = z.infer<typeof liveLlmViewSchema>;

/**
 * `GET /api/v1/events` (SSE): each event carries the whole current list of its kind as the caller
 * may see it, sent when it changed. `sessions` lists every session for admins, the caller's own
 * for others.
 */
export const liveEventSchemas = {
  llms: z.array(liveLlmViewSchema),
  pools: z.array(poolViewSchema),
  agents: z.array(agentViewSchema),
  sessions: z.array(providerSessionViewSchema),
} as const;
export type LiveEventName = keyof typeof liveEventSchemas;
export type LiveEventData = { [Name in LiveEventName]: z.infer<(typeof liveEventSchemas)[Name]> };
export const LIVE_EVENT_NAMES = Object.keys(liveEventSchemas) as LiveEventName[];
