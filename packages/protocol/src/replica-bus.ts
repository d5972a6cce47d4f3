import { z } from 'zod';
import { providerTaskSchema } from './provider-channel.js';

/*
 * What mcpd replicas tell each other over NATS (SPEC §12 §8). Only replicas of one deployment
 * speak it, so it may change with mcpd; the provider channel's shapes travel inside unchanged.
 */

/** A task for the replica holding a session's connection (request; the reply is {@link busTaskReplySchema}). */
export const busTaskSchema = z.object({
  task: providerTaskSchema,
  /** The LLM's `maxConcurrent` as the sender read it: the holder runs at most that many of its tasks at once, cluster-wide. */
  maxConcurrent: z.number().int().min(1).nullable().optional(),
});

/**
 * A task opened on one replica and delivered through another has ended: the holder frees its
 * slot (`P.replica.HOLDER.ended`). The same shape tells the opener (`P.replica.OPENER.delivered`)
 * that a task which waited in the holder's line for a slot went out to the publisher.
 */
export const busTaskEndedSchema = z.object({ taskId: z.string().min(1) });
/** `P.replica.R.ping`: is replica R on this bus? Answered by R alone. */
export const busPingSchema = z.object({});
export const busPongSchema = z.object({ pong: z.literal(true) });
export type BusPong = z.infer<typeof busPongSchema>;
/** `queued`: taken, but waiting in the holder's line for a slot (the holder says `delivered` when it goes out). */
export const busTaskReplySchema = z.object({ delivered: z.boolean(), holder: z.string().min(1).optional(), queued: z.boolean().optional() });

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

/**
 * A session's connection opened on replica `from`, or one ended: `holder` names the replica
 * whose connection it was (the sweeper of a dead replica names the dead one).
 */
export const busSessionNewsSchema = z.object({ sessionId: z.string().min(1), from: z.string().min(1), holder: z.string().min(1).optional() });

/** LLM rows changed on replica `from`. */
export const busCatalogNewsSchema = z.object({ from: z.string().min(1) });

/**
 * Who may do what changed on replica `from` (a token revoked, a user or binding changed, sessions
 * removed): cached verifications are stale, and connections opened with a revoked token or for a
 * removed session end wherever they are held.
 */
export const busAccessNewsSchema = z.object({
  from: z.string().min(1),
  tokenId: z.string().min(1).optional(),
  sessionIds: z.array(z.string().min(1)).optional(),
  /** Users deleted: the calls they are making end. An older replica neither sends nor reads it. */
  userIds: z.array(z.string().min(1)).optional(),
});

/**
 * What replica `from` holds per user under each in-memory per-user cap (inference requests,
 * control connections, result posts), sent every second so every replica counts every replica's
 * share; users holding nothing are left out.
 */
export const busUserLoadSchema = z.object({
  from: z.string().min(1),
  held: z.record(z.string().min(1), z.record(z.string().min(1), z.number().int().min(1))),
});

/** Most LLMs in a {@link busDispatchLoadSchema} report: a replica serving more sends the busiest. */
export const BUS_DISPATCH_LOAD_MAX_LLMS = 5_000;
/** Most queues in a {@link busDispatchLoadSchema} report: a replica with more sends the longest. */
export const BUS_DISPATCH_LOAD_MAX_QUEUES = 2_000;

/** A map of at most `max` entries whose keys are at most `keyLength` characters. */
function boundedRecord<T extends z.ZodType>(keyLength: number, value: T, max: number) {
  return z.record(z.string().min(1).max(keyLength), value).refine((record) => Object.keys(record).length <= max, `at most ${max} entries`);
}

/**
 * What replica `from`'s dispatcher holds, for the live counters every replica shows: requests in
 * flight per LLM id, per queue (`llm:NAME`, `pool:NAME`) the requests waiting and how long the
 * oldest has waited, and the pool members it holds back after a failure. Only what is not zero; sent every second while it holds anything, and
 * once more, empty, when it stops. Bounded so a report stays below NATS's 1 MiB (about 0.95 MiB at most, with every bound full).
 */
export const busDispatchLoadSchema = z.object({
  from: z.string().min(1),
  /** Keyed by LLM id. */
  inFlight: boundedRecord(64, z.number().int().min(1), BUS_DISPATCH_LOAD_MAX_LLMS),
  /** Keyed by `llm:NAME` or `pool:NAME` (a name is at most 63 characters). */
  queues: boundedRecord(72, z.object({ queued: z.number().int().min(1), oldestWaitMs: z.number().int().min(0) }), BUS_DISPATCH_LOAD_MAX_QUEUES),
  /** Pool members cooling down there after a failure, keyed by LLM id: the ms left of each. An older replica sends none. */
  coolingDown: boundedRecord(64, z.number().int().min(1), BUS_DISPATCH_LOAD_MAX_LLMS).optional(),
});

/** On replica `from` a slot of the public LLM `llmId` was given back: requests waiting for it elsewhere try for it. */
export const busSlotsFreedSchema = z.object({ from: z.string().min(1), llmId: z.string().min(1) });

export type BusUserLoad = z.infer<typeof busUserLoadSchema>;
export type BusDispatchLoad = z.infer<typeof busDispatchLoadSchema>;
export type BusAccessNews = z.infer<typeof busAccessNewsSchema>;
export type BusTask = z.infer<typeof busTaskSchema>;
export type BusResults = z.infer<typeof busResultsSchema>;
export type BusResultsReply = z.infer<typeof busResultsReplySchema>;
export type BusSessionNews = z.infer<typeof busSessionNewsSchema>;
