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
  /** The body of a refusal. */
  refusal: string | undefined;
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
    else {
      stream.#closed = true;
      stream.refusal = await response.text();
    }
    return stream;
  }

  get closed(): boolean {
    return this.#closed;
  }

  tasks(): Array<Record<string, unknown>> {
    return this.events.filter((event) => event.event === 'task').map((event) => JSON.parse(event.data) as Record<string, unknown>);
  }

  /**
   * Resolves when `predicate` holds, looking again at every event the stream brings and at its
   * end: it waits on the stream, never for a fixed time. One that never holds is ended by the
   * test's own timeout.
   */
  async waitFor(predicate: (stream: ProviderStream) => boolean): Promise<void> {
    while (!predicate(this)) {
      if (this.#closed) throw new Error('the control stream closed before what was awaited came');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
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
