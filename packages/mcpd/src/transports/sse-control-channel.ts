import type { ServerResponse } from 'node:http';
import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { ProviderHello, ProviderTask } from '@mcpctl/protocol';
import type { ControlChannel } from '../relay/control-channel.js';
import { sseHeaders } from './sse-headers.js';

export interface SseControlChannelOptions {
  sessionId: string;
  /** Comment frames keep proxies from closing a quiet stream. */
  pingIntervalMs: number;
  clock: Clock;
  onClose(): void;
}

/** The control stream as SPEC §4.3 frames it: `hello`, `task` events, `: ping` comments. */
export class SseControlChannel implements ControlChannel {
  readonly transport = 'sse';
  readonly carriesResults = false;
  readonly #stopPings: Cancel;
  #closed = false;

  constructor(
    private readonly response: ServerResponse,
    options: SseControlChannelOptions,
  ) {
    response.writeHead(200, sseHeaders(response));
    const hello: ProviderHello = { providerSessionId: options.sessionId };
    response.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.#stopPings = every(options.clock, options.pingIntervalMs, () => {
      response.write(': ping\n\n');
    });
    response.once('close', () => {
      this.#closed = true;
      this.#stopPings();
      options.onClose();
    });
  }

  sendTask(task: ProviderTask): void {
    if (!this.#closed) this.response.write(`event: task\ndata: ${JSON.stringify(task)}\n\n`);
  }

  /** Nothing to say over SSE: the stream ending is the publisher's cue to reconnect. */
  moveAway(): void {}

  /** SSE cannot say why: the stream just ends, and the publisher reconnects (or registers again). */
  close(): void {
    this.#stopPings();
    if (!this.response.writableEnded) this.response.end();
  }
}
