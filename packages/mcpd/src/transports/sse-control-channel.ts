import type { ServerResponse } from 'node:http';
import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { ProviderHello, ProviderTask } from '@mcpctl/protocol';
import type { ControlChannel } from '../relay/control-channel.js';
import { sseHeaders } from './sse-headers.js';
import { WRITE_STALL_MS, WriteProgress } from './write-progress.js';

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
 * stream: a stream that took none of the writes waiting for it through 30 s of pings
 * ({@link WriteProgress}), or let more than `maxBacklogBytes` pile up, is cut, its session
 * handled as closed.
 */
export class SseControlChannel implements ControlChannel {
  readonly transport = 'sse';
  readonly carriesResults = false;
  readonly #stopPings: Cancel;
  #closed = false;
  readonly #progress: WriteProgress;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: SseControlChannelOptions,
  ) {
    this.#progress = new WriteProgress(response.socket, options.pingIntervalMs);
    response.writeHead(200, sseHeaders(response));
    const hello: ProviderHello = { providerSessionId: options.sessionId };
    response.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`, this.#progress.queued());
    this.#stopPings = every(options.clock, options.pingIntervalMs, () => {
      if (this.#progress.check() === 'stalled') {
        this.#cut(`the publisher took nothing of its stream for ${WRITE_STALL_MS / 1000} s or more while ${response.writableLength} bytes waited: the stream is closed`);
        return;
      }
      response.write(': ping\n\n', this.#progress.queued());
    });
    response.once('close', () => {
      this.#closed = true;
      this.#stopPings();
      options.onClose();
    });
  }

  sendTask(task: ProviderTask): void {
    if (this.#closed) return;
    // Checked before the write, so one task larger than the bound still goes to a publisher that reads.
    const waiting = this.response.writableLength;
    if (waiting > this.options.maxBacklogBytes) {
      this.#cut(`the publisher took none of ${Math.round(waiting / 2 ** 20)} MiB sent to it: its stream is closed`);
      return;
    }
    this.response.write(`event: task\ndata: ${JSON.stringify(task)}\n\n`, this.#progress.queued());
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
