import { z } from 'zod';
import { providerTaskSchema } from './provider-channel.js';

/*
 * What mcpd replicas tell each other over NATS (SPEC §12 §8). Only replicas of one deployment
 * speak it, so it may change with mcpd; the provider channel's shapes travel inside unchanged.
 */

/** A task for the replica holding a session's connection (request; the reply is {@link busTaskReplySchema}). */
export const busTaskSchema = z.object({ task: providerTaskSchema });
export const busTaskReplySchema = z.object({ delivered: z.boolean() });

/** Results for the replica that opened their task, as the publisher sent them. */
export const busResultsSchema = z.object({
  taskId: z.string().min(1),
  posterId: z.string().min(1),
  bodies: z.array(z.unknown()).min(1),
  source: z.enum(['post', 'socket']),
});
export const busResultsReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), status: z.number().int(), message: z.string() }),
]);

/** A session's connection opened or ended on replica `from`. */
export const busSessionNewsSchema = z.object({ sessionId: z.string().min(1), from: z.string().min(1) });

/** LLM rows changed on replica `from`. */
export const busCatalogNewsSchema = z.object({ from: z.string().min(1) });

export type BusTask = z.infer<typeof busTaskSchema>;
export type BusResults = z.infer<typeof busResultsSchema>;
export type BusResultsReply = z.infer<typeof busResultsReplySchema>;
export type BusSessionNews = z.infer<typeof busSessionNewsSchema>;
