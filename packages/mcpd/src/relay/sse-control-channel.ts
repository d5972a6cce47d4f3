import type { ServerResponse } from 'node:http';
import type { ProviderHello, ProviderTask } from '@mcpctl/protocol';
import type { ControlChannel } from './control-channel.js';

export interface SseControlChannelOptions {
  sessionId: string;
  /** Comment frames keep proxies from closing a quiet stream. */
  pingIntervalMs: number;
  onClose(): void;
}

/** The control stream as SPEC §4.3 frames it: `hello`, `task` events, `: ping` comments. */
export class SseControlChannel implements ControlChannel {
  readonly #ping: NodeJS.Timeout;
  #closed = false;

  constructor(
    private readonly response: ServerResponse,
    options: SseControlChannelOptions,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const hello: ProviderHello = { providerSessionId: options.sessionId };
    response.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.#ping = setInterval(() => response.write(': ping\n\n'), options.pingIntervalMs);
    this.#ping.unref();
    response.once('close', () => {
      this.#closed = true;
      clearInterval(this.#ping);
      options.onClose();
    });
  }

  sendTask(task: ProviderTask): void {
    if (!this.#closed) this.response.write(`event: task\ndata: ${JSON.stringify(task)}\n\n`);
  }

  close(): void {
    clearInterval(this.#ping);
    if (!this.response.writableEnded) this.response.end();
  }
}
