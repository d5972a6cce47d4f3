import { connect, RequestError, TimeoutError, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  busAccessNewsSchema,
  busDispatchLoadSchema,
  busUserLoadSchema,
  busSlotsFreedSchema,
  busCatalogNewsSchema,
  busResultsReplySchema,
  busResultsSchema,
  busSessionNewsSchema,
  busPingSchema,
  busPongSchema,
  busTaskEndedSchema,
  busTaskReplySchema,
  type BusPong,
  busTaskSchema,
  type BusDispatchLoad,
  type BusUserLoad,
  type ProviderTask,
} from '@mcpctl/protocol';
import type { z } from 'zod';
import {
  BusPayloadTooLargeError,
  type AccessChange,
  type DeliveryAnswer,
  type RelayBus,
  type RelayBusHandlers,
  type ResultDelivery,
  type TaskSendOutcome,
} from '../relay/relay-bus.js';
import { UNKNOWN_HOLDER } from '../relay/task-registry.js';

export interface NatsBusOptions {
  url: string;
  /** First token of every subject, so several deployments (or tests) can share one NATS server. */
  subjectPrefix: string;
  replicaId: string;
  /** How long a task or results wait for the replica that should take them. */
  requestTimeoutMs: number;
  /** A message from another replica that could not be read or handled. */
  onError(error: unknown, subject: string): void;
  /**
   * The connection to NATS was lost (`disconnect`) or is back (`reconnect`). Meanwhile nothing
   * crosses replicas: a task for a publisher held by another replica, and results for a caller on
   * another, fail; the client reconnects by itself.
   */
  onConnection?(change: { type: 'disconnect' | 'reconnect'; server: string }): void;
}

const PONG = JSON.stringify({ pong: true } satisfies BusPong);

/** What NATS servers allow per message unless configured otherwise; the server's own figure is read at connect. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Room for the subject, reply subject and headers beside a message's payload. */
const ENVELOPE_BYTES = 4096;

/** Queue group of the session subjects: a task reaches one connection, even while two replicas briefly hold the session. */
const HOLDERS = 'holders';

/**
 * {@link RelayBus} over core NATS (no JetStream: what crosses replicas lives as long as a request).
 *
 * - `P.session.ID`: a task for session ID, subscribed by the replica holding its connection;
 *   NATS answers "no responders" when nobody does, so a task for a session gone everywhere fails at once.
 * - `P.replica.R.results`: results for tasks opened on replica R (the id names R);
 *   `P.replica.R.ended`: a task delivered through R's connection ended where it was opened;
 *   `P.replica.R.delivered`: a task opened on R that waited in its holder's line went out.
 * - `P.sessions.attached`, `P.sessions.gone`, `P.catalog.changed`, `P.access.changed`, `P.users.load`,
 *   `P.dispatch.load`, `P.slots.freed`: news for every replica.
 */
export class NatsBus implements RelayBus {
  readonly replicaId: string;
  readonly #sessions = new Map<string, Subscription>();
  #connection: NatsConnection | undefined;
  #handlers: RelayBusHandlers | undefined;
  #maxPayload = DEFAULT_MAX_PAYLOAD;

  constructor(private readonly options: NatsBusOptions) {
    this.replicaId = options.replicaId;
  }

  /** Tells `onConnection` each loss and return of the connection, until it closes. */
  async #watch(connection: NatsConnection): Promise<void> {
    if (!this.options.onConnection) return;
    for await (const status of connection.status()) {
      // `server` is the server's host and port, never the credentials of the configured URL.
      if (status.type === 'disconnect' || status.type === 'reconnect') this.options.onConnection({ type: status.type, server: status.server });
    }
  }

  async start(handlers: RelayBusHandlers): Promise<void> {
    this.#handlers = handlers;
    const { url, replicaId } = this.options;
    try {
      this.#connection = await connect({ servers: url.split(','), name: `mcpd ${replicaId}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (error) {
      const where = url.split(',').map(redactNatsUrl).join(',');
      throw new Error(`cannot reach NATS at ${where} (MCPD_NATS_URL): ${(error as Error).message}; start it (every replica needs it), or unset MCPD_NATS_URL if this mcpd is the only one on its database`, {
        cause: error,
      });
    }
    this.#maxPayload = this.#connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    void this.#watch(this.#connection);
    this.#serve(
      this.#subject(`replica.${replicaId}.results`),
      busResultsSchema,
      (delivery, message) => message.respond(JSON.stringify(handlers.results(delivery))),
      // A sender that is told at once does not wait out its timeout.
      (message) => message.respond(JSON.stringify({ ok: false, status: 400, message: 'results from another replica could not be read' })),
    );
    this.#serve(this.#subject(`replica.${replicaId}.ended`), busTaskEndedSchema, ({ taskId }) => handlers.taskEnded(taskId));
    this.#serve(this.#subject(`replica.${replicaId}.delivered`), busTaskEndedSchema, ({ taskId }) => handlers.taskDelivered(taskId));
    this.#serve(this.#subject(`replica.${replicaId}.ping`), busPingSchema, (_ping, message) => message.respond(PONG));
    this.#serve(this.#subject('sessions.attached'), busSessionNewsSchema, (news) => {
      if (news.from !== replicaId) handlers.sessionAttached(news.sessionId);
    });
    this.#serve(this.#subject('sessions.gone'), busSessionNewsSchema, (news) => {
      if (news.from !== replicaId) handlers.sessionGone(news.sessionId, news.holder ?? news.from);
    });
    this.#serve(this.#subject('catalog.changed'), busCatalogNewsSchema, (news) => {
      if (news.from !== replicaId) handlers.catalogChanged();
    });
    this.#serve(this.#subject('access.changed'), busAccessNewsSchema, ({ from, ...change }) => {
      if (from !== replicaId) handlers.accessChanged(change);
    });
    this.#serve(this.#subject('users.load'), busUserLoadSchema, (load) => {
      if (load.from !== replicaId) handlers.userLoad(load);
    });
    this.#serve(this.#subject('dispatch.load'), busDispatchLoadSchema, (load) => {
      if (load.from !== replicaId) handlers.dispatchLoad(load);
    });
    this.#serve(this.#subject('slots.freed'), busSlotsFreedSchema, (news) => {
      if (news.from !== replicaId) handlers.slotsFreed(news.llmId);
    });
    // Subscriptions are registered with the server before anything this replica publishes next.
    await this.#connection.flush();
  }

  async ping(replicaId: string): Promise<boolean> {
    const reply = await this.#request(this.#subject(`replica.${replicaId}.ping`), '{}', busPongSchema);
    return typeof reply === 'object';
  }

  async sendTask(sessionId: string, task: ProviderTask, maxConcurrent: number | null = null): Promise<TaskSendOutcome> {
    const reply = await this.#request(this.#subject(`session.${sessionId}`), this.#encode({ task, maxConcurrent }), busTaskReplySchema);
    if (reply === 'nobody' || reply === 'unanswered') return reply;
    // A replica that had just let go of the session answers that it did not take the task.
    return reply.delivered ? { holder: reply.holder ?? UNKNOWN_HOLDER, queued: reply.queued === true } : 'nobody';
  }

  async sendResults(replicaId: string, delivery: ResultDelivery): Promise<DeliveryAnswer> {
    const subject = this.#subject(`replica.${replicaId}.results`);
    let payload: string;
    try {
      payload = this.#encode(delivery);
    } catch (error) {
      if (!(error instanceof BusPayloadTooLargeError)) throw error;
      // The caller hears why its answer ends instead of waiting for a timeout; the publisher is refused.
      const ended = { ...delivery, bodies: [{ error: `its answer is larger than mcpd can pass between replicas: ${error.message}` }] };
      await this.#request(subject, this.#encode(ended), busResultsReplySchema);
      return { ok: false, status: 413, message: error.message };
    }
    const reply = await this.#request(subject, payload, busResultsReplySchema);
    // The replica that opened the task is gone (or did not answer), and the task with it: as a result post for a finished task.
    return typeof reply === 'string' ? { ok: false, status: 404, message: `unknown or finished task: ${delivery.taskId}` } : reply;
  }

  holdSession(sessionId: string): void {
    const connection = this.#connection;
    if (!connection || this.#sessions.has(sessionId)) return;
    const subscription = connection.subscribe(this.#subject(`session.${sessionId}`), {
      queue: HOLDERS,
      callback: (error, message) => {
        if (error) return this.options.onError(error, message.subject);
        // Whatever goes wrong stays here: an exception would stop this connection's reader.
        try {
          const parsed = this.#read(message, busTaskSchema);
          const delivery = parsed === undefined ? false : this.#handlers!.task(sessionId, parsed.task, parsed.maxConcurrent ?? null);
          message.respond(JSON.stringify({ delivered: delivery !== false, holder: this.replicaId, queued: delivery === 'queued' }));
        } catch (caught) {
          this.options.onError(caught, message.subject);
        }
      },
    });
    this.#sessions.set(sessionId, subscription);
    this.#publish('sessions.attached', { sessionId, from: this.replicaId });
  }

  releaseSession(sessionId: string): void {
    // Drained, not cut: a task NATS already routed here is still answered (not delivered, as the
    // connection is gone), so its sender waits for the session's next holder instead of timing out.
    void this.#sessions.get(sessionId)?.drain().catch(() => undefined);
    this.#sessions.delete(sessionId);
  }

  taskEnded(holder: string, taskId: string): void {
    this.#publish(`replica.${holder}.ended`, { taskId });
  }

  taskDelivered(opener: string, taskId: string): void {
    this.#publish(`replica.${opener}.delivered`, { taskId });
  }

  sessionGone(sessionId: string, holder: string): void {
    this.#publish('sessions.gone', { sessionId, from: this.replicaId, holder });
  }

  catalogChanged(): void {
    this.#publish('catalog.changed', { from: this.replicaId });
  }

  accessChanged(change: AccessChange): void {
    this.#publish('access.changed', { ...change, from: this.replicaId });
  }

  reportUserLoad(held: BusUserLoad['held']): void {
    this.#publish('users.load', { from: this.replicaId, held });
  }

  reportDispatchLoad(load: Omit<BusDispatchLoad, 'from'>): void {
    // Sent from a timer: a report NATS refuses (past the server's max_payload) is told, not thrown there.
    try {
      this.#publish('dispatch.load', { from: this.replicaId, ...load });
    } catch (error) {
      this.options.onError(error, this.#subject('dispatch.load'));
    }
  }

  slotsFreed(llmId: string): void {
    this.#publish('slots.freed', { from: this.replicaId, llmId });
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#sessions.clear();
    if (connection && !connection.isClosed()) await connection.drain();
  }

  #subject(rest: string): string {
    return `${this.options.subjectPrefix}.${rest}`;
  }

  #publish(rest: string, message: unknown): void {
    const connection = this.#connection;
    if (connection && !connection.isClosed() && !connection.isDraining()) connection.publish(this.#subject(rest), JSON.stringify(message));
  }

  /** A message as JSON, refused before it is sent when NATS would not carry it. */
  #encode(message: unknown): string {
    const text = JSON.stringify(message);
    const bytes = Buffer.byteLength(text);
    if (bytes + ENVELOPE_BYTES > this.#maxPayload) throw new BusPayloadTooLargeError(bytes, this.#maxPayload - ENVELOPE_BYTES);
    return text;
  }

  /**
   * The reply; `nobody` when no replica subscribes (NATS answers that at once); `unanswered`
   * for a timeout, a connection closing or a reply that cannot be read (failures are reported).
   */
  async #request<T>(subject: string, payload: string, schema: z.ZodType<T>): Promise<T | 'nobody' | 'unanswered'> {
    const connection = this.#connection;
    if (!connection || connection.isClosed() || connection.isDraining()) return 'unanswered';
    let reply: Msg;
    try {
      reply = await connection.request(subject, payload, { timeout: this.options.requestTimeoutMs });
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders()) return 'nobody';
      if (!isTimeout(error)) this.options.onError(error, subject);
      return 'unanswered';
    }
    return this.#read(reply, schema) ?? 'unanswered';
  }

  #serve<T>(subject: string, schema: z.ZodType<T>, handle: (value: T, message: Msg) => void, unreadable?: (message: Msg) => void): void {
    this.#connection!.subscribe(subject, {
      callback: (error, message) => {
        if (error) return this.options.onError(error, subject);
        // Whatever goes wrong stays here: an exception would stop this connection's reader.
        try {
          const value = this.#read(message, schema);
          if (value === undefined) unreadable?.(message);
          else handle(value, message);
        } catch (caught) {
          this.options.onError(caught, subject);
        }
      },
    });
  }

  #read<T>(message: Msg, schema: z.ZodType<T>): T | undefined {
    let json: unknown;
    try {
      json = message.json();
    } catch (error) {
      this.options.onError(error, message.subject);
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.options.onError(parsed.error, message.subject);
      return undefined;
    }
    return parsed.data;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof TimeoutError || (error as Error).name === 'TimeoutError';
}

/** A NATS server address as it may be shown: without a password or token. */
export function redactNatsUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    if (parsed.password) parsed.password = '***';
    else if (parsed.username) parsed.username = '***';
    return parsed.toString();
  } catch {
    return 'the configured server';
  }
}
