import { liveEventSchemas, type LiveEventData, type LiveEventName } from '@mcpctl/protocol';
import { createParser } from 'eventsource-parser';

/** An open `GET /api/v1/events`: the events as they came, and a wait for the next one matching. */
export class EventReader {
  readonly events: Array<{ event: LiveEventName; data: unknown }> = [];
  readonly #waiters = new Set<() => void>();
  readonly #controller = new AbortController();
  status = 0;
  /** The server ended the stream. */
  ended = false;

  static async open(url: string, token: string): Promise<EventReader> {
    const reader = new EventReader();
    const response = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: reader.#controller.signal });
    reader.status = response.status;
    if (response.ok && response.body) void reader.#read(response.body);
    return reader;
  }

  /** The data of the next `event` (already received or coming) for which `check` holds. */
  async next<Name extends LiveEventName>(event: Name, check: (data: LiveEventData[Name]) => boolean = () => true, from = 0, timeoutMs = 5_000): Promise<LiveEventData[Name]> {
    for (;;) {
      const found = this.events.slice(from).find((entry) => entry.event === event && check(entry.data as LiveEventData[Name]));
      if (found) return found.data as LiveEventData[Name];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${event} event as expected; got ${JSON.stringify(this.events.map((entry) => entry.event))}`)), timeoutMs);
        this.#waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The latest list of `event` received so far. */
  latest<Name extends LiveEventName>(event: Name): LiveEventData[Name] | undefined {
    const found = this.events.findLast((entry) => entry.event === event);
    return found?.data as LiveEventData[Name] | undefined;
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: ({ event, data }) => {
        const name = event as LiveEventName;
        this.events.push({ event: name, data: liveEventSchemas[name].parse(JSON.parse(data)) });
        for (const wake of [...this.#waiters]) wake();
        this.#waiters.clear();
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
      this.ended = true;
    } catch {
      // Closed by the test.
    }
  }
}
