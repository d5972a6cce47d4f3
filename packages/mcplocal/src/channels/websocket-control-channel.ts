import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '@mcpctl/clock';
import {
  encodeSocketChunks,
  MAX_RESULTS_PER_MESSAGE,
  PROVIDER_SESSION_HEADER,
  PROVIDER_SOCKET_SILENCE_MS,
  providerSocketCloseCodes,
  isLastResult,
  socketGoneMessageSchema,
  type ProviderHeartbeatRequest,
  type ProviderRegisterAnswer,
  type ProviderRegisterRequest,
  type ProviderSocketUpMessage,
  type TaskChunkResult,
  type TaskResult,
} from '@mcpctl/protocol';
import { describeNetworkError } from '@mcpctl/upstream';
import WebSocket from 'ws';
import { currentToken, type BearerToken } from '../bearer-token.js';
import { McpdHttpError, McpdUnreachableError, McplocalError } from '../errors.js';
import type { ChannelFrame, ControlChannel, PostedResult, ResultDelivery, StreamEnd, StreamListener } from '../registrar/control-channel.js';
import type { HttpControlChannel } from './http-control-channel.js';
import { IdleWatchdog } from './idle-watchdog.js';
import { mcpdRefusal } from './mcpd-refusal.js';

/** A task is one message; the SSE reader refuses events past the same size. */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Past this many bytes written but not yet sent, a result waits for the socket to drain before it counts as delivered. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Chunk data one `results` message gathers before it is sent; see `enqueue`. */
const BATCH_CHARS = 8 * 1024;
/** Task ids mcpd said it no longer wants, remembered so later results of them are dropped; the oldest are forgotten first. */
const GONE_TASKS_REMEMBERED = 4096;
/** A refused upgrade whose answer is not mcpd's: most likely a proxy in front of it that does not pass WebSocket upgrades. */
const NOT_FROM_MCPD = "not in mcpd's words: likely a proxy in front of it that does not pass WebSocket upgrades (docs/virtual-llms.md says how to let them through)";
/** Of a refusal's body only this much is read: mcpd's `{"error"}` is short, a proxy's page needs no more. */
const REFUSAL_BODY_BYTES = 16 * 1024;
/** How mcpd ends a socket on purpose (shutting down, replaced by a newer one): the life is over, not broken. */
const ORDERLY_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, providerSocketCloseCodes.replaced]);

export interface WebSocketControlChannelOptions {
  /** Registers, and carries heartbeats and results while no socket is open. Its `peer` is mcpd's base URL. */
  http: HttpControlChannel;
  /** Bearer token of the user who owns the published rows, shown on the upgrade; a function is asked at each upgrade. */
  token: BearerToken;
  /** Times the socket's silence. Default: the system clock. */
  clock?: Clock | undefined;
  /** A socket that heard nothing (no message, no ping) this long is dead. Default PROVIDER_SOCKET_SILENCE_MS. */
  silenceMs?: number | undefined;
  /** Written-but-unsent bytes past which a result waits for the socket to drain. Default 1 MiB. */
  highWaterBytes?: number | undefined;
}

/** The socket of the current life, once mcpd greeted it: results and heartbeats of its session go on it. */
interface LiveSocket {
  socket: WebSocket;
  providerSessionId: string;
  /** The TCP (or TLS) connection under it, corked while a tick's messages are written. */
  connection: Duplex | undefined;
  /** mcpd's `hello` said it reads a stream's chunks as a binary `chunks` message. */
  binaryChunks: boolean;
}

/**
 * The provider channel over one WebSocket per session (SPEC §4.3, §12; the messages are
 * `provider-socket.ts`): tasks come down the socket, results and heartbeats go up it. Registering
 * stays mcpd's HTTP route, and while no socket is open heartbeats and results go by HTTP POST.
 * The registrar sees the frames exactly as over SSE: `hello`, then `task` frames whose data is
 * the task's JSON. A `gone` message stays here: the task's next result is answered `gone`, as a
 * 404 to a result post is over HTTP, so the task handler stops the task.
 */
export class WebSocketControlChannel implements ControlChannel {
  readonly peer: string;
  private readonly http: HttpControlChannel;
  private readonly token: BearerToken;
  private readonly clock: Clock;
  private readonly silenceMs: number;
  private readonly highWaterBytes: number;
  private readonly goneTasks = new Set<string>();
  /** Results waiting for the socket to drain, by task: a `gone` for the task answers them at once. */
  private readonly drainWaiters = new Map<string, Set<() => void>>();
  private socketPath: string | undefined;
  private live: LiveSocket | undefined;
  /**
   * The socket each running task came down, which its results go up while it is open: a socket
   * mcpd asked to leave (`reconnect`, its replica drains) still carries its tasks to their end,
   * in order, while the next life's socket takes the new ones.
   */
  private readonly taskSockets = new Map<string, LiveSocket>();
  /** Results posted during this turn of the event loop, by task in order, and the socket they are for. */
  private readonly outbox = new Map<string, TaskChunkResult[]>();
  private outboxOf: LiveSocket | undefined;
  private flushQueued = false;
  /** Characters of chunk data in the outbox. */
  private outboxChars = 0;

  constructor(options: WebSocketControlChannelOptions) {
    this.http = options.http;
    this.peer = options.http.peer;
    this.token = options.token;
    this.clock = options.clock ?? systemClock;
    this.silenceMs = options.silenceMs ?? PROVIDER_SOCKET_SILENCE_MS;
    this.highWaterBytes = options.highWaterBytes ?? HIGH_WATER_BYTES;
  }

  /** Where the last register answer put the socket; undefined when mcpd offers none. */
  get advertisedPath(): string | undefined {
    return this.socketPath;
  }

  async register(request: ProviderRegisterRequest, signal: AbortSignal): Promise<ProviderRegisterAnswer> {
    const answer = await this.http.register(request, signal);
    this.socketPath = answer.providerSocketPath;
    return answer;
  }

  heartbeat(request: ProviderHeartbeatRequest, signal: AbortSignal): Promise<void> {
    const live = this.live;
    if (!live || live.socket.readyState !== WebSocket.OPEN || live.providerSessionId !== request.providerSessionId) {
      return this.http.heartbeat(request, signal);
    }
    if (signal.aborted) return Promise.reject(abortReason(signal));
    // The socket says whose session it is; the news is all a heartbeat has left to say.
    const message: ProviderSocketUpMessage = { type: 'heartbeat' };
    if (request.hibernating) message.hibernating = request.hibernating;
    if (request.awake) message.awake = request.awake;
    return new Promise((resolve, reject) => {
      live.socket.send(JSON.stringify(message), (error) => (error ? reject(socketWriteFailed('a heartbeat', error)) : resolve()));
    });
  }

  /** Answers at once when the result is queued for this turn's flush; a promise when it must wait for room, or go by POST. */
  postResult(taskId: string, result: TaskResult, signal: AbortSignal): PostedResult {
    if (this.goneTasks.has(taskId)) return 'gone';
    const live = this.socketOf(taskId);
    if (isLastResult(result)) this.taskSockets.delete(taskId);
    // A socket mcpd has begun to close would drop the message without a word: POST it instead.
    if (!live || live.socket.readyState !== WebSocket.OPEN) return this.http.postResult(taskId, result, signal);
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (live.socket.bufferedAmount + this.outboxChars < this.highWaterBytes) {
      this.enqueue(live, taskId, result);
      return 'delivered';
    }
    // What waits for this turn goes first, so the task's results keep their order.
    this.flushOutbox();
    return this.sendWhenDrained(live.socket, taskId, JSON.stringify({ type: 'result', taskId, result } satisfies ProviderSocketUpMessage), signal);
  }

  /** The socket the task came down while it is open, else the current life's. */
  private socketOf(taskId: string): LiveSocket | undefined {
    const carrier = this.taskSockets.get(taskId);
    if (carrier?.socket.readyState === WebSocket.OPEN) return carrier;
    if (carrier) this.taskSockets.delete(taskId);
    return this.live;
  }

  /**
   * Keeps a chunk for a flush on `process.nextTick`, or until the task's last chunk. A local
   * server's read often completes several chunks, which the task posts one after another in a
   * microtask after that read (`ChunkQueue`), all before the flush runs: they go out as one
   * `results` message per task, and the messages of one flush in one write (what the turn queues
   * after a task's last chunk goes in a second flush). Nothing waits for a timer. A message holds at most BATCH_CHARS of chunk data besides its last chunk, well inside
   * mcpd's limit on a message (one result and an envelope). Any other result goes at once, after
   * what waits.
   */
  private enqueue(live: LiveSocket, taskId: string, result: TaskResult): void {
    if (this.outboxOf !== live) {
      this.flushOutbox();
      this.outboxOf = live;
    }
    if (!('chunk' in result)) {
      this.flushOutbox();
      live.socket.send(JSON.stringify({ type: 'result', taskId, result } satisfies ProviderSocketUpMessage));
      return;
    }
    const chars = result.chunk.data.length;
    if (this.outboxChars > 0 && this.outboxChars + chars > BATCH_CHARS) this.flushOutbox();
    const queued = this.outbox.get(taskId);
    if (queued) queued.push(result);
    else this.outbox.set(taskId, [result]);
    this.outboxChars += chars;
    // A loop that never leaves the turn (a long answer already read) still sends as it goes. A
    // task's last chunk goes at once: what the task's end does next (its cleanup, the next
    // microtasks) would otherwise run before the flush, between mcpd and the answer's end.
    if (result.chunk.done === true || this.outboxChars >= BATCH_CHARS || (queued?.length ?? 1) >= MAX_RESULTS_PER_MESSAGE) this.flushOutbox();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushOutbox);
    }
  }

  /** Sends what the turn queued; a socket that closed meanwhile takes its tasks with it at mcpd, so nothing is resent. */
  private readonly flushOutbox = (): void => {
    this.flushQueued = false;
    const live = this.outboxOf;
    if (this.outbox.size === 0 || !live) return;
    if (live.socket.readyState === WebSocket.OPEN) {
      live.connection?.cork();
      for (const [taskId, results] of this.outbox) {
        // The chunks as the server wrote them, without escaping each into a JSON string.
        const chunks = live.binaryChunks ? encodeSocketChunks(taskId, results) : undefined;
        if (chunks !== undefined) {
          live.socket.send(chunks, { binary: true });
          continue;
        }
        const [only] = results;
        const message: ProviderSocketUpMessage =
          results.length === 1 && only ? { type: 'result', taskId, result: only } : { type: 'results', taskId, results };
        live.socket.send(JSON.stringify(message));
      }
      live.connection?.uncork();
    }
    this.outbox.clear();
    this.outboxChars = 0;
  };

  /**
   * Sends a result behind a full socket and resolves once it is written out, so a local server
   * faster than the link waits here instead of growing mcplocal's memory. A `gone` for the task
   * or the task's abort ends the wait first.
   */
  private sendWhenDrained(socket: WebSocket, taskId: string, text: string, signal: AbortSignal): Promise<ResultDelivery> {
    return new Promise((resolve, reject) => {
      const waiters = this.drainWaiters.get(taskId) ?? new Set<() => void>();
      this.drainWaiters.set(taskId, waiters);
      const settle = (outcome: () => void) => {
        waiters.delete(onGone);
        if (waiters.size === 0 && this.drainWaiters.get(taskId) === waiters) this.drainWaiters.delete(taskId);
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const onGone = () => settle(() => resolve('gone'));
      const onAbort = () => settle(() => reject(abortReason(signal)));
      waiters.add(onGone);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.send(text, (error) => settle(() => (error ? reject(socketWriteFailed('a task result', error)) : resolve('delivered'))));
    });
  }

  /**
   * One life of the socket. It resolves `moving` when mcpd asks the publisher to reconnect
   * elsewhere (its replica drains): the socket then stays open for the results of the tasks it
   * brought, and for `gone` and late tasks, until mcpd closes it, it goes silent, or mcplocal stops.
   */
  openStream(providerSessionId: string, listener: StreamListener, signal: AbortSignal): Promise<StreamEnd> {
    const path = this.socketPath;
    if (path === undefined) return Promise.reject(new McplocalError(`mcpd at ${this.peer} does not offer the provider socket`));
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const socket = new WebSocket(socketUrl(this.peer, path), {
      headers: { authorization: `Bearer ${currentToken(this.token)}`, [PROVIDER_SESSION_HEADER]: providerSessionId },
      // Chunks are small and many: compressing each costs more CPU than the bytes it saves.
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      followRedirects: false,
    });
    return new Promise<StreamEnd>((resolve, reject) => {
      let upgraded = false;
      let greeted: LiveSocket | undefined;
      let connection: Duplex | undefined;
      let settled = false;
      /** mcpd asked this life to end while the socket carries its tasks on. */
      let leaving = false;
      const seconds = Math.round(this.silenceMs / 1000);
      const watchdog = new IdleWatchdog(this.clock, this.silenceMs, () =>
        fail(new McplocalError(upgraded ? `mcpd sent nothing on the provider socket for ${seconds} s` : `mcpd did not answer the provider socket's upgrade within ${seconds} s`)),
      );
      /** The socket is done with: nothing of it is watched or remembered any more. */
      const forget = () => {
        watchdog.stop();
        signal.removeEventListener('abort', onAbort);
        for (const [taskId, carrier] of this.taskSockets) if (carrier.socket === socket) this.taskSockets.delete(taskId);
      };
      const finish = (error?: Error, end?: StreamEnd) => {
        if (settled) return;
        settled = true;
        if (this.live?.socket === socket) this.live = undefined;
        if (!leaving) forget();
        if (error === undefined) resolve(end);
        else reject(error);
      };
      const fail = (error: Error) => {
        socket.terminate();
        finish(error);
      };
      const onAbort = () => {
        // A socket mcpd accepted is closed politely, after the results this turn queued for it (the
        // last chunks of a task that just ended: mcpd fails what the close finds unanswered); a
        // handshake in progress is cut.
        if (socket.readyState === WebSocket.OPEN) {
          if (this.outboxOf?.socket === socket) this.flushOutbox();
          socket.close(1000, 'mcplocal ends this connection');
        } else socket.terminate();
        finish(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });

      socket.on('unexpected-response', (_request, response) => {
        void readRefusalBody(response).then((text) =>
          fail(mcpdRefusal(response.statusCode ?? 0, text, 'the provider socket', response.statusMessage, headerText(response.headers['retry-after']), NOT_FROM_MCPD)),
        );
      });
      socket.on('upgrade', (response) => {
        connection = response.socket;
      });
      socket.on('open', () => {
        upgraded = true;
        watchdog.kick();
      });
      socket.on('ping', () => watchdog.kick());
      socket.on('message', (data) => {
        if (settled && !leaving) return;
        watchdog.kick();
        if (!greeted) {
          greeted = { socket, providerSessionId, connection, binaryChunks: false };
          this.live = greeted;
          listener.onOpen('websocket');
        }
        if (settled && !leaving) return;
        // mcpd sends text frames only; a binary one is read as text, and is malformed if it is not.
        this.deliver(textOf(data), listener, greeted, () => {
          leaving = true;
          finish(undefined, 'moving');
        });
      });
      socket.on('error', (error) => {
        fail(upgraded ? new McplocalError(`the provider socket failed: ${describeNetworkError(error)}`, { cause: error }) : new McpdUnreachableError(`cannot reach mcpd at ${this.peer} for the provider socket: ${describeNetworkError(error)}`, { cause: error }));
      });
      socket.on('close', (code, reasonBuffer) => {
        forget();
        const reason = reasonBuffer.toString('utf8');
        if (greeted && ORDERLY_CLOSE_CODES.has(code)) return finish();
        finish(closeError(code, reason, greeted !== undefined));
      });
    });
  }

  /**
   * One down message to the listener, as the SSE stream would have framed it; `gone` and
   * `reconnect` stay here. A task is remembered with the socket it came down.
   */
  private deliver(text: string, listener: StreamListener, from: LiveSocket, onReconnect: () => void): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      // An SSE event without a name is a `message`: the registrar says it ignored one.
      return listener.onFrame({ event: 'message', data: text });
    }
    if (typeof message !== 'object' || message === null || typeof (message as { type?: unknown }).type !== 'string') {
      return listener.onFrame({ event: 'message', data: text });
    }
    const { type } = message as { type: string };
    if (type === 'task') {
      const task = (message as { task?: unknown }).task ?? null;
      this.carries(task, from);
      return listener.onFrame(new ReadFrame('task', task));
    }
    if (type === 'gone') {
      const gone = socketGoneMessageSchema.safeParse(message);
      if (gone.success) return this.markGone(gone.data.taskId);
    }
    if (type === 'reconnect') return onReconnect();
    if (type === 'hello' && (message as { takesBinaryChunks?: unknown }).takesBinaryChunks === true) from.binaryChunks = true;
    const { type: _type, ...rest } = message as Record<string, unknown>;
    listener.onFrame({ event: type, data: JSON.stringify(rest) });
  }

  /** A task's results go up the socket it came down; a cancel ends the task's claim on it. */
  private carries(task: unknown, from: LiveSocket): void {
    if (typeof task !== 'object' || task === null) return;
    const { taskId, kind } = task as { taskId?: unknown; kind?: unknown };
    if (typeof taskId !== 'string') return;
    if (kind === 'cancel') this.taskSockets.delete(taskId);
    else this.taskSockets.set(taskId, from);
  }

  private markGone(taskId: string): void {
    this.goneTasks.add(taskId);
    this.taskSockets.delete(taskId);
    for (const result of this.outbox.get(taskId) ?? []) this.outboxChars -= result.chunk.data.length;
    this.outbox.delete(taskId);
    if (this.goneTasks.size > GONE_TASKS_REMEMBERED) {
      const oldest = this.goneTasks.values().next().value;
      if (oldest !== undefined) this.goneTasks.delete(oldest);
    }
    for (const waiter of [...(this.drainWaiters.get(taskId) ?? [])]) waiter();
  }
}

/** The socket beside mcpd's HTTP routes: same host, `ws`/`wss` for `http`/`https`, under the base URL's own path (a proxy's prefix). */
export function socketUrl(mcpdUrl: string, socketPath: string): string {
  const url = new URL(mcpdUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${socketPath}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** What a WebSocket close code says, in words; the code stays beside them. */
const CLOSE_MEANINGS: Record<number, string> = {
  1006: 'the connection to mcpd dropped',
  1011: 'mcpd closed the provider socket after an error of its own',
  1012: 'mcpd is restarting',
};

/** Why a socket ended that was not an orderly end of a greeted life. */
function closeError(code: number, reason: string, greeted: boolean): Error {
  const because = reason ? `: ${reason}` : '';
  // What a 404 to the SSE stream says: register again.
  if (code === providerSocketCloseCodes.sessionGone) return new McpdHttpError(404, `mcpd closed the provider socket: the session is gone${because}`);
  if (code === providerSocketCloseCodes.badMessage) return new McplocalError(`mcpd closed the provider socket over a message it could not read${because}`);
  if (!greeted) return new McplocalError(`the provider socket closed before mcpd greeted it (code ${code}${because})`);
  return new McplocalError(`${CLOSE_MEANINGS[code] ?? 'the provider socket closed'} (code ${code}${because})`);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new McplocalError('aborted');
}

function socketWriteFailed(what: string, error: Error): McplocalError {
  return new McplocalError(`the provider socket closed before ${what} was written: ${error.message}`, { cause: error });
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** The start of a refusal's body, for mcpd's `{"error"}`; a body that never ends is cut by the socket's silence timer. */
async function readRefusalBody(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const part of response) {
      const buffer = part as Buffer;
      parts.push(buffer);
      size += buffer.length;
      if (size >= REFUSAL_BODY_BYTES) break;
    }
  } catch {
    // A refusal cut short still has its status.
  }
  return Buffer.concat(parts).toString('utf8').slice(0, REFUSAL_BODY_BYTES);
}

/** A frame whose data the socket read as JSON already; its text is written only if someone asks for it. */
class ReadFrame implements ChannelFrame {
  constructor(
    readonly event: string,
    readonly value: unknown,
  ) {}

  get data(): string {
    return JSON.stringify(this.value);
  }
}
