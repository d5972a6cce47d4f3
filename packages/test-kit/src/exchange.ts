import type { IncomingMessage, ServerResponse } from 'node:http';

export const JSON_CONTENT_TYPE = 'application/json';

/** One request and its response; `signal` fires when the response closes, whether finished or abandoned. */
export class Exchange {
  readonly signal: AbortSignal;
  private destroyedOnPurpose = false;

  /** `onEnd(abandoned)`: abandoned when the client went away before the answer was complete. */
  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    onEnd: (abandoned: boolean) => void,
  ) {
    const controller = new AbortController();
    this.signal = controller.signal;
    response.once('close', () => {
      controller.abort();
      onEnd(!response.writableFinished && !this.destroyedOnPurpose);
    });
  }

  send(status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
    this.response.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    this.response.end(body);
  }

  /** Drops the connection without finishing the answer, as a crashing upstream does. */
  destroy(): void {
    this.destroyedOnPurpose = true;
    this.request.socket.destroy();
  }

  /** Writes `chunk`, then drops the connection once the bytes have left, so the client still receives them. */
  writeThenDestroy(chunk: string): void {
    if (chunk.length === 0) {
      this.response.flushHeaders();
      setImmediate(() => this.destroy());
      return;
    }
    this.response.write(chunk, () => this.destroy());
  }
}
