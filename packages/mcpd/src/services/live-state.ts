import type { Cancel, Clock } from '@mcpctl/clock';
import { LIVE_EVENT_NAMES, type LiveEventData, type LiveEventName } from '@mcpctl/protocol';
import type { Principal } from '../rbac/principal.js';

/** Where the state a caller may see comes from; each answers as that caller sees it. */
export interface LiveSources {
  /** The caller again, from the credentials it connected with: a revoked token or binding counts at once. */
  principal(authorization: string | undefined): Promise<Principal>;
  read(principal: Principal): Promise<LiveEventData>;
  /** Something changed (a row, a status, a wake): called to refresh before the next tick. */
  onChange(listener: () => void): Cancel;
}

/** One connection's end: `send` answers false when the connection is backed up and the event was not written. */
export interface LiveSink {
  send(event: LiveEventName, json: string): boolean;
  /** The credentials are no longer valid, or mcpd stops: the connection ends. */
  end(): void;
}

interface Subscriber {
  authorization: string | undefined;
  sink: LiveSink;
  /** What was last written of each event, so only changes go out. */
  sent: Map<LiveEventName, string>;
}

/** Counters (in flight, queued) change without news: looked at this often while anyone watches. */
export const LIVE_TICK_MS = 1_000;
/** A change is sent this soon after it was heard of; several in a burst go out as one. */
const CHANGE_SETTLE_MS = 50;

/**
 * The state behind `GET /api/v1/events`: for each open connection, the LLMs, pools, agents and
 * sessions its caller may see, sent whole when they changed. Refreshed as soon as something
 * changes, and every second for the counters, only while someone watches. A connection whose
 * credentials stopped being valid is ended.
 */
export class LiveState {
  readonly #subscribers = new Set<Subscriber>();
  #tick: Cancel | undefined;
  #soon: Cancel | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  readonly #stopListening: Cancel;

  constructor(
    private readonly sources: LiveSources,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#stopListening = sources.onChange(() => this.#refreshSoon());
  }

  /** Starts sending to `sink` (everything at once, then changes); answers how to stop. */
  subscribe(authorization: string | undefined, sink: LiveSink): () => void {
    const subscriber: Subscriber = { authorization, sink, sent: new Map() };
    this.#subscribers.add(subscriber);
    this.#tick ??= this.#armTick();
    void this.#refreshOne(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size > 0) return;
      this.#tick?.();
      this.#tick = undefined;
    };
  }

  get watching(): number {
    return this.#subscribers.size;
  }

  /** mcpd stops: every connection ends. */
  closeAll(): void {
    for (const subscriber of [...this.#subscribers]) subscriber.sink.end();
    this.#subscribers.clear();
    this.#tick?.();
    this.#tick = undefined;
    this.#soon?.();
    this.#stopListening();
  }

  #armTick(): Cancel {
    return this.clock.after(LIVE_TICK_MS, () => {
      this.#tick = this.#subscribers.size > 0 ? this.#armTick() : undefined;
      void this.#refreshAll();
    });
  }

  #refreshSoon(): void {
    if (this.#subscribers.size === 0 || this.#soon) return;
    this.#soon = this.clock.after(CHANGE_SETTLE_MS, () => {
      this.#soon = undefined;
      void this.#refreshAll();
    });
  }

  /** One refresh at a time; a change heard meanwhile runs another right after. */
  async #refreshAll(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        for (const subscriber of [...this.#subscribers]) await this.#refreshOne(subscriber);
      } while (this.#again);
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refreshOne(subscriber: Subscriber): Promise<void> {
    let data: LiveEventData;
    try {
      const principal = await this.sources.principal(subscriber.authorization);
      data = await this.sources.read(principal);
    } catch (error) {
      if (isUnauthorized(error)) {
        this.#subscribers.delete(subscriber);
        subscriber.sink.end();
      } else this.onError(error);
      return;
    }
    if (!this.#subscribers.has(subscriber)) return;
    for (const event of LIVE_EVENT_NAMES) {
      const json = JSON.stringify(data[event]);
      if (subscriber.sent.get(event) === json) continue;
      // A connection backed up misses this one; it gets the state as it is then, once it drains.
      if (subscriber.sink.send(event, json)) subscriber.sent.set(event, json);
    }
  }
}

function isUnauthorized(error: unknown): boolean {
  return (error as { statusCode?: unknown } | undefined)?.statusCode === 401;
}
