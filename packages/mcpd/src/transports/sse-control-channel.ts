import type { ServerResponse } from 'node:http';
import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { ProviderHello, ProviderTask } from '@mcpctl/protocol';
import type { ControlChannel } from '../relay/control-channel.js';
import { sseHeaders } from './sse-headers.js';

export interface SseControlChannelOptions {
  sessionId: string;
  /** Comment frames keep proxies from closing a quiet stream. */
  pingIntervalMs: number;
  /** Bytes that may wait for a publisher that does not read its stream; one more and the stream is cut. */
  maxBacklogBytes: number;
  clock: Clock;
  /** The stream was cut: its publisher stopped reading it. */
  onError(error: Error): void;
  onClose(): void;
}

/**
 * The control stream as SPEC §4.3 frames it: `hello`, `task` events, `: ping` comments. A
 * publisher whose heartbeats arrive (they come by POST) may still have stopped reading its
 * stream: what waits for it is watched, and a stream that took nothing of it for a whole ping
 * interval, or let more than `maxBacklogBytes` pile up, is cut, its session handled as closed.
 */
export class SseControlChannel implements ControlChannel {
  readonly transport = 'sse';
  readonly carriesResults = false;
  readonly #stopPings: Cancel;
  #closed = false;
  /** Bytes waiting for the publisher at the last ping, when they filled its buffer; else more than can wait. */
  #waitingAtPing = Number.POSITIVE_INFINITY;
  /** The event loop turned since the last ping, so writes waiting then could have gone. */
  #turnedSincePing = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: SseControlChannelOptions,
  ) {
    response.writeHead(200, sseHeaders(response));
    const hello: ProviderHello = { providerSessionId: options.sessionId };
    response.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.#stopPings = every(options.clock, options.pingIntervalMs, () => {
      const waiting = response.writableLength;
      // Judged only when the socket had its turns since the last ping: two pings back to back
      // (a clock that jumped, a thread held up) would see writes that had no chance to go.
      if (this.#turnedSincePing && response.writableNeedDrain && waiting >= this.#waitingAtPing) {
        this.#cut(`the publisher took nothing of its stream for ${Math.round(options.pingIntervalMs / 1000)} s while ${waiting} bytes waited: the stream is closed`);
        return;
      }
      response.write(': ping\n\n');
      this.#waitingAtPing = response.writableNeedDrain ? response.writableLength : Number.POSITIVE_INFINITY;
      this.#turnedSincePing = false;
      setImmediate(() => (this.#turnedSincePing = true));
    });
    response.once('close', () => {
      this.#closed = true;
      this.#stopPings();
      options.onClose();
    });
  }

  sendTask(task: ProviderTask): void {
    if (this.#closed) return;
    this.response.write(`event: task\ndata: ${JSON.stringify(task)}\n\n`);
    const waiting = this.response.writableLength;
    if (waiting > this.options.maxBacklogBytes) this.#cut(`the publisher took none of ${Math.round(waiting / 2 ** 20)} MiB sent to it: its stream is closed`);
  }

  #cut(message: string): void {
    this.#closed = true;
    this.#stopPings();
    this.options.onError(new Error(message));
    this.response.destroy();
  }

  /** Nothing to say over SSE: the stream ending is the publisher's cue to reconnect. */
  moveAway(): void {}

  /** SSE cannot say why: the stream just ends, and the publisher reconnects (or registers again). */
  close(): void {
    this.#stopPings();
    if (!this.response.writableEnded) this.response.end();
  }
}
