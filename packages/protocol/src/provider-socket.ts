import { z } from 'zod';
import { providerHeartbeatRequestSchema, providerTaskReadSchema, providerTaskSchema, taskResultSchema } from './provider-channel.js';

/*
 * The provider channel's second transport: one WebSocket per provider session carrying the same
 * messages as SSE + POST (SPEC §4.3, §12), both ways. Register stays `POST _provider-register`;
 * its answer advertises the socket (`providerSocketPath`), and an mcplocal that finds no such
 * field, or whose upgrade fails, speaks SSE + POST as before.
 *
 * Each WebSocket message is one JSON text frame with a `type`, but for a stream's chunks, which
 * may go up as one binary message (`provider-socket-chunks.ts`) when mcpd's `hello` says it takes
 * them. Liveness is WebSocket ping/pong:
 * mcpd pings every PROVIDER_SOCKET_PING_MS and ends a connection that has not answered the
 * previous ping; mcplocal ends one that has heard nothing (no message, no ping) for
 * PROVIDER_SOCKET_SILENCE_MS. Either way a dead connection is noticed within 30 s.
 */

/** Where mcpd serves the provider socket; the register answer names it in `providerSocketPath`. */
export const PROVIDER_SOCKET_PATH = '/api/v1/llms/_provider-socket';
/** How often mcpd pings each provider socket. */
export const PROVIDER_SOCKET_PING_MS = 10_000;
/** How long mcplocal waits without a message or ping before it calls the connection dead. */
export const PROVIDER_SOCKET_SILENCE_MS = 30_000;

/** Close codes a provider socket ends with, beside WebSocket's own (1000 normal, 1001 going away). */
export const providerSocketCloseCodes = {
  /** A newer stream or socket for the same session took over. */
  replaced: 4000,
  /** The session is unknown, gone inactive, or its token was revoked: register again. */
  sessionGone: 4004,
  /** A message that is not one of the shapes below; the publisher should not resend it. */
  badMessage: 4400,
} as const;

/* mcpd -> mcplocal */

/**
 * The first message on an accepted socket, as `event: hello` on the SSE stream. `takesBinaryChunks`:
 * this mcpd reads a stream's chunks as a binary `chunks` message (`provider-socket-chunks.ts`);
 * said here, by the process holding the socket, since among replicas in a rolling upgrade the
 * one that answered the register call may be another build.
 */
export const socketHelloMessageSchema = z.object({ type: z.literal('hello'), providerSessionId: z.string(), takesBinaryChunks: z.literal(true).optional() });
/** A task, exactly the `event: task` payload of the SSE stream. */
export const socketTaskMessageSchema = z.object({ type: z.literal('task'), task: providerTaskSchema });
/**
 * mcpd no longer wants results for this task (unknown, finished, cancelled, or refused): what a
 * 404 to a result post says on SSE + POST. mcplocal stops the task's work.
 */
export const socketGoneMessageSchema = z.object({ type: z.literal('gone'), taskId: z.string(), reason: z.string().max(1000).optional() });

/**
 * The replica holding this socket is draining (a rolling restart): the publisher opens its next
 * socket now, through the balancer, to a replica that stays, and keeps this one for the results of
 * the tasks it brought, which mcpd closes once they have ended. An mcplocal that does not know the
 * message ignores it and moves when the socket closes.
 */
export const socketReconnectMessageSchema = z.object({ type: z.literal('reconnect') });

export const providerSocketDownMessageSchema = z.discriminatedUnion('type', [
  socketHelloMessageSchema,
  socketTaskMessageSchema,
  socketGoneMessageSchema,
  socketReconnectMessageSchema,
]);
export type ProviderSocketDownMessage = z.infer<typeof providerSocketDownMessageSchema>;

/** Down messages as mcplocal reads them: loose, tasks read as on SSE. Unknown types are ignored by the reader. */
export const providerSocketDownReadSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('hello'), providerSessionId: z.string().nullish() }),
  z.looseObject({ type: z.literal('task'), task: providerTaskReadSchema }),
  z.looseObject({ type: z.literal('gone'), taskId: z.string(), reason: z.string().nullish() }),
  z.looseObject({ type: z.literal('reconnect') }),
]);
export type ProviderSocketDownRead = z.infer<typeof providerSocketDownReadSchema>;

/* mcplocal -> mcpd */

/** A task id as an up message names it. */
export const socketTaskIdSchema = z.string().min(1).max(256);
/** Most results one `results` message may hold: far above what a batch of mcplocal's holds, low enough that reading one stays brief. */
export const MAX_RESULTS_PER_MESSAGE = 1024;

/** One result of a task: the body of `POST _provider-task/:taskId/result`, tagged with the task id. */
export const socketResultMessageSchema = z.object({ type: z.literal('result'), taskId: socketTaskIdSchema, result: taskResultSchema });
/**
 * Several results of one task, in order, as one message: what mcplocal had for the task when it
 * next wrote to the socket (the chunks one read of the local server brought). mcpd takes them
 * exactly as that many `result` messages, and writes the chunks among them to the caller at once.
 */
export const socketResultsMessageSchema = z.object({
  type: z.literal('results'),
  taskId: socketTaskIdSchema,
  results: z.array(taskResultSchema).min(1).max(MAX_RESULTS_PER_MESSAGE),
});
/** A heartbeat: the body of `POST _provider-heartbeat` without the session id the socket already carries. */
export const socketHeartbeatMessageSchema = z.object({
  type: z.literal('heartbeat'),
  hibernating: providerHeartbeatRequestSchema.shape.hibernating,
  awake: providerHeartbeatRequestSchema.shape.awake,
});

export const providerSocketUpMessageSchema = z.discriminatedUnion('type', [socketResultMessageSchema, socketResultsMessageSchema, socketHeartbeatMessageSchema]);
export type ProviderSocketUpMessage = z.infer<typeof providerSocketUpMessageSchema>;
export type SocketResultMessage = z.infer<typeof socketResultMessageSchema>;
export type SocketResultsMessage = z.infer<typeof socketResultsMessageSchema>;
export type SocketHeartbeatMessage = z.infer<typeof socketHeartbeatMessageSchema>;
