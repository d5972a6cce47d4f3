import { decodeSocketChunks, MAX_RESULTS_PER_MESSAGE, socketHeartbeatMessageSchema, type HeartbeatNews } from '@mcpctl/protocol';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../security/json-depth.js';
import { findUnstorableText } from '../security/find-unstorable-text.js';

/**
 * An up message of the provider socket as mcpd reads it. A `result` keeps its result unread:
 * the result route's own checks take it from here, for the post and the socket alike.
 */
export type SocketUpMessage =
  | { type: 'results'; taskId: string; results: unknown[] }
  | { type: 'heartbeat'; news: HeartbeatNews };

/** Longest task id, as `socketResultMessageSchema` and the result route's path allow. */
const MAX_TASK_ID_LENGTH = 256;

/**
 * Reads one message, or answers undefined for one that is not an up message (not JSON, nested
 * deeper than a body may be, an unknown type, a heartbeat holding text the database cannot store, a result without a task id, a `results` that holds
 * none or more than MAX_RESULTS_PER_MESSAGE; a binary message that is not `chunks`).
 * A `result` is read as `results` of one, and so are a binary message's chunks. Results come with every streamed read, so their
 * envelope is checked by hand, as `socketResultMessageSchema` and `socketResultsMessageSchema`
 * would (the task id's length; each result is the result route's to check); heartbeats are
 * rare and go through their schema.
 */
export function readSocketMessage(text: Buffer, isBinary = false): SocketUpMessage | undefined {
  if (isBinary) {
    const chunks = decodeSocketChunks(text);
    return chunks && { type: 'results', taskId: chunks.taskId, results: chunks.results };
  }
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(text.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const { type, taskId, result, results } = message as { type?: unknown; taskId?: unknown; result?: unknown; results?: unknown };
  if (type === 'result' || type === 'results') {
    if (typeof taskId !== 'string' || taskId.length === 0 || taskId.length > MAX_TASK_ID_LENGTH) return undefined;
    if (type === 'result') return { type: 'results', taskId, results: [result] };
    return Array.isArray(results) && results.length > 0 && results.length <= MAX_RESULTS_PER_MESSAGE ? { type, taskId, results } : undefined;
  }
  if (type === 'heartbeat') {
    // Its names reach the database, which takes no NUL or lone surrogate: refused here as a post's body is.
    if (findUnstorableText(message)) return undefined;
    const heartbeat = socketHeartbeatMessageSchema.safeParse(message);
    return heartbeat.success ? { type, news: { hibernating: heartbeat.data.hibernating, awake: heartbeat.data.awake } } : undefined;
  }
  return undefined;
}
