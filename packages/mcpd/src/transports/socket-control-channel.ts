import { every, type Cancel, type Clock } from '@mcpctl/clock';
import { providerSocketCloseCodes, type HeartbeatNews, type ProviderSocketDownMessage, type ProviderTask } from '@mcpctl/protocol';
import type { RawData, WebSocket } from 'ws';
import type { ChannelCloseReason, ControlChannel } from '../relay/control-channel.js';
import { readSocketMessage } from './read-socket-message.js';

export interface SocketControlChannelOptions {
  sessionId: string;
  clock: Clock;
  /** How often the socket is pinged; one that has not answered the previous ping, nor taken data since, is cut. */
  pingIntervalMs: number;
  /** Bytes of messages that may wait for a peer that does not take them; one more and the socket is cut. */
  maxBacklogBytes: number;
  /**
   * A `result` or `results` message, its results in order. Answers why mcpd no longer wants the
   * task's results (sent back as `gone`, as a result post would be answered 404 or 400), or
   * undefined when it took them; later, when they went to another replica to be taken.
   */
  onResults(taskId: string, results: unknown[]): string | undefined | Promise<string | undefined>;
  /** A `heartbeat` message. */
  onHeartbeat(news: HeartbeatNews): void;
  /** The socket failed (a frame past the size limit, bytes that are not WebSocket); it closes next. */
  onError(error: Error): void;
  onClose(): void;
}

/** WebSocket's own code for an endpoint going away. */
const GOING_AWAY = 1001;
/** What `gone` may say (`socketGoneMessageSchema`). */
const MAX_GONE_REASON_LENGTH = 1000;

const CLOSE_CODES: Record<ChannelCloseReason, number> = {
  replaced: providerSocketCloseCodes.replaced,
  sessionGone: providerSocketCloseCodes.sessionGone,
  shuttingDown: GOING_AWAY,
};

/**
 * The control connection as the provider socket carries it (`provider-socket.ts` in protocol):
 * `hello`, then `task` messages down and `gone` for results mcpd no longer wants; `result`,
 * `results`, binary `chunks` and `heartbeat` messages up. Liveness is WebSocket ping/pong on the
 * injected clock, so a connection that went silent (a peer gone without a FIN, a proxy that
 * stopped forwarding) is cut within two ping intervals, and its session handled as a closed
 * stream. Only a pong carrying the last ping's own bytes, or data taken since, proves the peer
 * reads: its own messages and unasked pongs do not, and a peer that sends them but reads nothing
 * would otherwise hold its tasks, and mcpd's memory, without end.
 */
export class SocketControlChannel implements ControlChannel {
  readonly transport = 'websocket';
  readonly carriesResults = true;
  readonly #stopPings: Cancel;
  /** Whether the peer answered the last ping (a pong with its bytes). */
  #heard = true;
  /** What the last ping carried: a count, so an old or made-up pong is not taken for its answer. */
  #pingPayload = Buffer.alloc(8);
  #pings = 0n;
  /** Bytes waiting for the peer when the last ping went. */
  #waitingAtPing = 0;
  #cut = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: SocketControlChannelOptions,
  ) {
    this.#send({ type: 'hello', providerSessionId: options.sessionId, takesBinaryChunks: true });
    this.#stopPings = every(options.clock, options.pingIntervalMs, () => this.#ping());
    socket.on('pong', (data) => {
      if (data.equals(this.#pingPayload)) this.#heard = true;
    });
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('error', (error) => options.onError(error));
    socket.once('close', () => {
      this.#stopPings();
      options.onClose();
    });
  }

  sendTask(task: ProviderTask): void {
    this.#send({ type: 'task', task });
  }

  /** Results of the tasks this socket carried keep coming up it; pings go on until `close`. */
  moveAway(): void {
    this.#send({ type: 'reconnect' });
  }

  close(reason: ChannelCloseReason, detail?: string): void {
    this.#stopPings();
    // A close reason holds at most 123 bytes; the details given here are a few words.
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(CLOSE_CODES[reason], detail === undefined ? undefined : Buffer.from(detail).subarray(0, 123));
  }

  #ping(): void {
    const waiting = this.socket.bufferedAmount;
    // A slow link still taking a large task is reading, if it has not answered yet.
    if (!this.#heard && !(waiting < this.#waitingAtPing)) {
      this.socket.terminate();
      return;
    }
    this.#heard = false;
    this.#waitingAtPing = waiting;
    this.#pings += 1n;
    this.#pingPayload = Buffer.alloc(8);
    this.#pingPayload.writeBigUInt64BE(this.#pings);
    this.socket.ping(this.#pingPayload);
  }

  #receive(data: RawData, isBinary: boolean): void {
    // Frames still arriving after mcpd began to close are not work any more.
    if (this.socket.readyState !== this.socket.OPEN) return;
    const message = readSocketMessage(toBuffer(data), isBinary);
    if (!message) {
      this.socket.close(providerSocketCloseCodes.badMessage, 'not a provider socket message');
      return;
    }
    if (message.type === 'heartbeat') {
      this.options.onHeartbeat(message.news);
      return;
    }
    const { taskId } = message;
    const gone = this.options.onResults(taskId, message.results);
    if (typeof gone === 'string') this.#gone(taskId, gone);
    else if (gone !== undefined) void gone.then((reason) => reason === undefined || this.#gone(taskId, reason));
  }

  #gone(taskId: string, reason: string): void {
    this.#send({ type: 'gone', taskId, reason: reason.slice(0, MAX_GONE_REASON_LENGTH) });
  }

  #send(message: ProviderSocketDownMessage): void {
    if (this.socket.readyState !== this.socket.OPEN || this.#cut) return;
    this.socket.send(JSON.stringify(message));
    const waiting = this.socket.bufferedAmount;
    if (waiting > this.options.maxBacklogBytes) {
      this.#cut = true;
      this.options.onError(new Error(`the publisher took none of ${Math.round(waiting / 2 ** 20)} MiB sent to it: its connection is closed`));
      this.socket.terminate();
    }
  }
}

/** `ws` hands a message over as one Buffer; the other shapes are there for completeness. */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
