import { createParser } from 'eventsource-parser';

export interface StreamEvent {
  event: string | undefined;
  data: string;
}

/** A control stream opened the way mcplocal opens it, with its events collected as they come. */
export class ProviderStream {
  readonly events: StreamEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  #closed = false;
  #waiters: Array<() => void> = [];
  readonly #controller = new AbortController();

  static async open(url: string, token: string, sessionId: string): Promise<ProviderStream> {
    const stream = new ProviderStream();
    const response = await fetch(`${url}/api/v1/llms/_provider-stream`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'x-mcpctl-provider-session': sessionId },
      signal: stream.#controller.signal,
    });
    stream.status = response.status;
    if (response.ok && response.body) void stream.#read(response.body);
    else stream.#closed = true;
    return stream;
  }

  get closed(): boolean {
    return this.#closed;
  }

  tasks(): Array<Record<string, unknown>> {
    return this.events.filter((event) => event.event === 'task').map((event) => JSON.parse(event.data) as Record<string, unknown>);
  }

  /** Resolves when `predicate` holds, polling on every event; rejects after `timeoutMs`. */
  async waitFor(predicate: (stream: ProviderStream) => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error('timed out waiting on the control stream');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: (event) => this.events.push({ event: event.event, data: event.data }),
      onComment: (comment) => this.comments.push(comment.trim()),
    });
    const decoder = new TextDecoder();
    try {
      for await (const bytes of body) {
        parser.feed(decoder.decode(bytes, { stream: true }));
        for (const wake of this.#waiters.splice(0)) wake();
      }
    } catch {
      // Aborted or cut: either way the stream is over.
    }
    this.#closed = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
