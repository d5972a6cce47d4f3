import type { Cancel, Clock } from '@mcpctl/clock';
import { LIVE_EVENT_NAMES, type LiveEventData, type LiveEventName } from '@mcpctl/protocol';
import type { Principal } from '../rbac/principal.js';

/** Where the state a caller may see comes from; each answers as that caller sees it. */
export interface LiveSources {
  /** The caller again, from the credentials it connected with: a revoked token or binding counts. */
  principal(authorization: string | undefined): Promise<Principal>;
  /** Everything the caller may see, read afresh (the database, the catalog). */
  read(principal: Principal): Promise<LiveEventData>;
  /** `data` with the counters kept in memory (in flight, queued) as they are now. */
  withCounters(data: LiveEventData): LiveEventData;
  /** Something changed (a row, a status, a wake): called to read again before the next tick. */
  onChange(listener: () => void): Cancel;
}

/** One connection's end. */
export interface LiveSink {
  /** False while the connection is backed up: it is skipped until it drains. */
  ready(): boolean;
  send(event: LiveEventName, json: string): void;
  /** The credentials are no longer valid, or mcpd stops: the connection ends. */
  end(): void;
}

interface Subscriber {
  authorization: string | undefined;
  sink: LiveSink;
  /** What was last written of each event, so only changes go out. */
  sent: Map<LiveEventName, string>;
  /** The last full read for this caller; undefined until the first, and after news. */
  data: LiveEventData | undefined;
  /** When `data` was read (the clock's monotonic ms). */
  readAt: number;
}

/** Counters (in flight, queued) change without news: sent this often while anyone watches. */
export const LIVE_TICK_MS = 1_000;
/**
 * Everything is read again at least this often, for what changes without news (agents, a
 * session's heartbeat) and to check the callers again; news, and any change of access, read at once.
 */
export const LIVE_FULL_READ_MS = 10_000;
/** A change is read this soon after it was heard of; several in a burst are read once. */
const CHANGE_SETTLE_MS = 50;

/**
 * The state behind `GET /api/v1/events`: for each open connection, the LLMs, pools, agents and
 * sessions its caller may see, sent whole when they changed. News (a change heard of here or
 * from another replica, a change of access) reads the lists again within 50 ms, once per
 * caller however many connections it holds; every second the counters kept in memory are laid
 * over the last read, at no cost to the database. Nothing runs while nobody watches. A
 * connection whose credentials stopped being valid is ended.
 */
export class LiveState {
  readonly #subscribers = new Set<Subscriber>();
  #tick: Cancel | undefined;
  #soon: Cancel | undefined;
  #refreshing: Promise<void> | undefined;
  /** A refresh was asked for while one ran: another follows, reading afresh when any asked for it. */
  #pending: { read: boolean } | undefined;
  #closed = false;
  readonly #stopListening: Cancel;

  constructor(
    private readonly sources: LiveSources,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#stopListening = sources.onChange(() => this.#newsSoon());
  }

  /** Starts sending to `sink` (everything at once, then changes); answers how to stop. */
  subscribe(authorization: string | undefined, sink: LiveSink): () => void {
    if (this.#closed) {
      sink.end();
      return () => undefined;
    }
    const subscriber: Subscriber = { authorization, sink, sent: new Map(), data: undefined, readAt: 0 };
    this.#subscribers.add(subscriber);
    this.#tick ??= this.#armTick();
    // Through the one refresh under way, so an older read never lands after a newer one.
    void this.#refresh(false);
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size > 0) return;
      this.#tick?.();
      this.#tick = undefined;
    };
  }

  /** Connections open now. */
  get watching(): number {
    return this.#subscribers.size;
  }

  /** A token, user or role binding changed: every caller is checked and read again at once. */
  accessChanged(): void {
    this.#newsSoon();
  }

  /** mcpd stops: every connection ends, and new ones are ended as they come. */
  closeAll(): void {
    this.#closed = true;
    for (const subscriber of [...this.#subscribers]) subscriber.sink.end();
    this.#subscribers.clear();
    this.#tick?.();
    this.#tick = undefined;
    this.#soon?.();
    this.#soon = undefined;
    this.#stopListening();
  }

  #armTick(): Cancel {
    return this.clock.after(LIVE_TICK_MS, () => {
      this.#tick = this.#subscribers.size > 0 ? this.#armTick() : undefined;
      void this.#refresh(false);
    });
  }

  #newsSoon(): void {
    if (this.#closed || this.#subscribers.size === 0 || this.#soon) return;
    this.#soon = this.clock.after(CHANGE_SETTLE_MS, () => {
      this.#soon = undefined;
      void this.#refresh(true);
    });
  }

  /** One refresh at a time; one asked for meanwhile follows it. */
  #refresh(read: boolean): Promise<void> {
    if (this.#refreshing) {
      this.#pending = { read: read || (this.#pending?.read ?? false) };
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      let next: { read: boolean } | undefined = { read };
      while (next) {
        this.#pending = undefined;
        await this.#refreshAll(next.read);
        next = this.#pending;
      }
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refreshAll(read: boolean): Promise<void> {
    const now = this.clock.monotonic();
    // Connections of one caller share one read.
    const reads = new Map<string | undefined, Promise<LiveEventData | 'refused' | 'failed'>>();
    for (const subscriber of [...this.#subscribers]) {
      if (read || now - subscriber.readAt >= LIVE_FULL_READ_MS) subscriber.data = undefined;
      // A connection that is backed up costs nothing until it drains; it then reads afresh.
      if (!subscriber.sink.ready()) continue;
      if (!subscriber.data) {
        const shared = reads.get(subscriber.authorization) ?? this.#read(subscriber.authorization);
        reads.set(subscriber.authorization, shared);
        const data = await shared;
        if (data === 'refused') {
          this.#subscribers.delete(subscriber);
          subscriber.sink.end();
          continue;
        }
        // Logged; the connection stays, and the next tick reads again.
        if (data === 'failed') continue;
        subscriber.data = data;
        subscriber.readAt = now;
      }
      if (this.#subscribers.has(subscriber)) this.#send(subscriber, this.sources.withCounters(subscriber.data));
    }
  }

  async #read(authorization: string | undefined): Promise<LiveEventData | 'refused' | 'failed'> {
    try {
      return await this.sources.read(await this.sources.principal(authorization));
    } catch (error) {
      if ((error as { statusCode?: unknown } | undefined)?.statusCode === 401) return 'refused';
      this.onError(error);
      return 'failed';
    }
  }

  #send(subscriber: Subscriber, data: LiveEventData): void {
    for (const event of LIVE_EVENT_NAMES) {
      const json = JSON.stringify(data[event]);
      if (subscriber.sent.get(event) === json) continue;
      subscriber.sink.send(event, json);
      subscriber.sent.set(event, json);
    }
  }
}
