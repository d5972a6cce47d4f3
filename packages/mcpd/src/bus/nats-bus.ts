import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  busCatalogNewsSchema,
  busResultsReplySchema,
  busResultsSchema,
  busSessionNewsSchema,
  busTaskReplySchema,
  busTaskSchema,
  type ProviderTask,
} from '@mcpctl/protocol';
import type { z } from 'zod';
import type { DeliveryAnswer, RelayBus, RelayBusHandlers, ResultDelivery } from '../relay/relay-bus.js';

export interface NatsBusOptions {
  url: string;
  /** First token of every subject, so several deployments (or tests) can share one NATS server. */
  subjectPrefix: string;
  replicaId: string;
  /** How long a task or results wait for the replica that should take them. */
  requestTimeoutMs: number;
  /** A message from another replica that could not be read or handled. */
  onError(error: unknown, subject: string): void;
}

/** Queue group of the session subjects: a task reaches one connection, even while two replicas briefly hold the session. */
const HOLDERS = 'holders';

/**
 * {@link RelayBus} over core NATS (no JetStream: what crosses replicas lives as long as a request).
 *
 * - `P.session.ID`: a task for session ID, subscribed by the replica holding its connection;
 *   NATS answers "no responders" when nobody does, so a task for a session gone everywhere fails at once.
 * - `P.replica.R.results`: results for tasks opened on replica R (the id names R).
 * - `P.sessions.attached`, `P.sessions.gone`, `P.catalog.changed`: news for every replica.
 */
export class NatsBus implements RelayBus {
  readonly replicaId: string;
  readonly #sessions = new Map<string, Subscription>();
  #connection: NatsConnection | undefined;
  #handlers: RelayBusHandlers | undefined;

  constructor(private readonly options: NatsBusOptions) {
    this.replicaId = options.replicaId;
  }

  async start(handlers: RelayBusHandlers): Promise<void> {
    this.#handlers = handlers;
    const { url, replicaId } = this.options;
    try {
      this.#connection = await connect({ servers: url.split(','), name: `mcpd ${replicaId}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (error) {
      throw new Error(`cannot reach NATS at ${url} (MCPD_NATS_URL): ${(error as Error).message}; start it, or unset MCPD_NATS_URL to run one mcpd alone`, {
        cause: error,
      });
    }
    this.#serve(this.#subject(`replica.${replicaId}.results`), busResultsSchema, (delivery, message) => {
      message.respond(JSON.stringify(handlers.results(delivery)));
    });
    this.#serve(this.#subject('sessions.attached'), busSessionNewsSchema, (news) => {
      if (news.from !== replicaId) handlers.sessionAttached(news.sessionId);
    });
    this.#serve(this.#subject('sessions.gone'), busSessionNewsSchema, (news) => {
      if (news.from !== replicaId) handlers.sessionGone(news.sessionId);
    });
    this.#serve(this.#subject('catalog.changed'), busCatalogNewsSchema, (news) => {
      if (news.from !== replicaId) handlers.catalogChanged();
    });
    // Subscriptions are registered with the server before anything this replica publishes next.
    await this.#connection.flush();
  }

  async sendTask(sessionId: string, task: ProviderTask): Promise<boolean> {
    const reply = await this.#request(this.#subject(`session.${sessionId}`), { task }, busTaskReplySchema);
    return reply?.delivered === true;
  }

  async sendResults(replicaId: string, delivery: ResultDelivery): Promise<DeliveryAnswer> {
    const reply = await this.#request(this.#subject(`replica.${replicaId}.results`), delivery, busResultsReplySchema);
    // The replica that opened the task is gone, and the task with it: as a result post for a finished task.
    return reply ?? { ok: false, status: 404, message: `unknown or finished task: ${delivery.taskId}` };
  }

  holdSession(sessionId: string): void {
    const connection = this.#connection;
    if (!connection || this.#sessions.has(sessionId)) return;
    const subscription = connection.subscribe(this.#subject(`session.${sessionId}`), {
      queue: HOLDERS,
      callback: (error, message) => {
        if (error) return this.options.onError(error, message.subject);
        const parsed = this.#read(message, busTaskSchema);
        const delivered = parsed !== undefined && this.#handlers!.task(sessionId, parsed.task);
        message.respond(JSON.stringify({ delivered }));
      },
    });
    this.#sessions.set(sessionId, subscription);
    this.#publish('sessions.attached', { sessionId, from: this.replicaId });
  }

  releaseSession(sessionId: string, gone: boolean): void {
    this.#sessions.get(sessionId)?.unsubscribe();
    this.#sessions.delete(sessionId);
    if (gone) this.#publish('sessions.gone', { sessionId, from: this.replicaId });
  }

  catalogChanged(): void {
    this.#publish('catalog.changed', { from: this.replicaId });
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

  /** The reply, or undefined when nobody answered (no subscriber, a timeout, a closed connection). */
  async #request<T>(subject: string, message: unknown, schema: z.ZodType<T>): Promise<T | undefined> {
    const connection = this.#connection;
    if (!connection || connection.isClosed() || connection.isDraining()) return undefined;
    let reply: Msg;
    try {
      reply = await connection.request(subject, JSON.stringify(message), { timeout: this.options.requestTimeoutMs });
    } catch {
      return undefined;
    }
    return this.#read(reply, schema);
  }

  #serve<T>(subject: string, schema: z.ZodType<T>, handle: (value: T, message: Msg) => void): void {
    this.#connection!.subscribe(subject, {
      callback: (error, message) => {
        if (error) return this.options.onError(error, subject);
        const value = this.#read(message, schema);
        if (value === undefined) return;
        try {
          handle(value, message);
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
