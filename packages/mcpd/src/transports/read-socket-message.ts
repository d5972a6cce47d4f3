import { socketHeartbeatMessageSchema, type SocketHeartbeatMessage } from '@mcpctl/protocol';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../security/json-depth.js';

/**
 * An up message of the provider socket as mcpd reads it. A `result` keeps its result unread:
 * the result route's own checks take it from here, for the post and the socket alike.
 */
export type SocketUpMessage =
  | { type: 'result'; taskId: string; result: unknown }
  | { type: 'heartbeat'; hibernating: SocketHeartbeatMessage['hibernating'] };

/** Longest task id, as `socketResultMessageSchema` and the result route's path allow. */
const MAX_TASK_ID_LENGTH = 256;

/**
 * Reads one text frame, or answers undefined for one that is not an up message (not JSON, nested
 * deeper than a body may be, an unknown type, a result without a task id). Results are one per
 * streamed token, so their envelope is checked by hand, as `socketResultMessageSchema` would
 * (the task id's length; the result is the result route's to check); heartbeats are rare and
 * go through their schema.
 */
export function readSocketMessage(text: Buffer): SocketUpMessage | undefined {
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(text.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const { type, taskId, result } = message as { type?: unknown; taskId?: unknown; result?: unknown };
  if (type === 'result') {
    if (typeof taskId !== 'string' || taskId.length === 0 || taskId.length > MAX_TASK_ID_LENGTH) return undefined;
    return { type, taskId, result };
  }
  if (type === 'heartbeat') {
    const heartbeat = socketHeartbeatMessageSchema.safeParse(message);
    return heartbeat.success ? { type, hibernating: heartbeat.data.hibernating } : undefined;
  }
  return undefined;
}
