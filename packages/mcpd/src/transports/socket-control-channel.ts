import { every, type Cancel, type Clock } from '@mcpctl/clock';
import { providerSocketCloseCodes, type HeartbeatNews, type ProviderSocketDownMessage, type ProviderTask } from '@mcpctl/protocol';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { ChannelCloseReason, ControlChannel } from '../relay/control-channel.js';
import { readSocketMessage } from './read-socket-message.js';
import { WRITE_STALL_MS, WriteProgress } from './write-progress.js';

export interface SocketControlChannelOptions {
  sessionId: string;
  clock: Clock;
  /** How often the socket is pinged; one that has not answered the previous ping, nor sent anything since, is cut. */
  pingIntervalMs: number;
  /** The connection under the WebSocket, whose handle says how much of a large message the peer has taken. */
  connection?: Duplex | undefined;
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
 * stream. A peer heard from may still have stopped reading (its messages and pongs come, its
 * tasks pile up): one that took none of the messages waiting for it through 30 s of pings
 * ({@link WriteProgress}), or let more than `maxBacklogBytes` pile up, is cut too.
 */
export class SocketControlChannel implements ControlChannel {
  readonly transport = 'websocket';
  readonly carriesResults = true;
  readonly #stopPings: Cancel;
  /** Whether the peer answered (a pong, or any message) since the last ping. */
  #heard = true;
  readonly #progress: WriteProgress;
  #cut = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: SocketControlChannelOptions,
  ) {
    this.#progress = new WriteProgress(options.connection, options.pingIntervalMs);
    this.#send({ type: 'hello', providerSessionId: options.sessionId, takesBinaryChunks: true });
    this.#stopPings = every(options.clock, options.pingIntervalMs, () => this.#ping());
    socket.on('pong', () => {
      this.#heard = true;
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
    const progress = this.#progress.check();
    if (progress === 'stalled') {
      this.#terminate(`the publisher took none of the messages sent to it for ${WRITE_STALL_MS / 1000} s or more: its connection is closed`);
      return;
    }
    // A peer still taking what waited for it reads; its pong may wait behind that.
    if (!this.#heard && progress !== 'moving') {
      this.socket.terminate();
      return;
    }
    this.#heard = false;
    this.socket.ping(undefined, undefined, this.#progress.queued());
  }

  #receive(data: RawData, isBinary: boolean): void {
    // Frames still arriving after mcpd began to close are not work any more.
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.#heard = true;
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
    // Checked before the send, so one message larger than the bound still goes to a peer that reads.
    const waiting = this.socket.bufferedAmount;
    if (waiting > this.options.maxBacklogBytes) {
      this.#terminate(`the publisher took none of ${Math.round(waiting / 2 ** 20)} MiB sent to it: its connection is closed`);
      return;
    }
    this.socket.send(JSON.stringify(message), this.#progress.queued());
  }

  #terminate(reason: string): void {
    this.#cut = true;
    this.#stopPings();
    this.options.onError(new Error(reason));
    this.socket.terminate();
  }
}

/** `ws` hands a message over as one Buffer; the other shapes are there for completeness. */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
