import type { BusAccessNews, BusDispatchLoad, BusResults, BusResultsReply, BusUserLoad, ProviderTask } from '@mcpctl/protocol';

/** Results a publisher sent for a task whose caller is on another replica, as they came (validated there). */
export type ResultDelivery = BusResults;

/** How the replica holding a task's caller took results sent to it: like the answer to a result post. */
export type DeliveryAnswer = BusResultsReply;

/** A change of who may do what: a revoked token, sessions removed with their user, or only cached grants gone stale. */
export type AccessChange = Omit<BusAccessNews, 'from'>;

/**
 * What became of a task sent over the bus: taken by replica `holder`; `nobody` holds its session
 * (NATS said so at once); or `unanswered` (a timeout, a connection failing), when it may have
 * reached a replica that answered too late.
 */
export type TaskSendOutcome = { holder: string; queued?: boolean } | 'nobody' | 'unanswered';

/** What became of a task at the replica holding its session's connection. */
export type TaskDelivery = 'delivered' | 'queued' | false;

/** A task or results larger than the bus carries in one message (NATS `max_payload`). */
export class BusPayloadTooLargeError extends Error {
  override readonly name = 'BusPayloadTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${bytes} bytes are more than the bus between mcpd replicas carries in one message (${maxBytes}; raise max_payload on the NATS server)`);
  }
}

/**
 * What the relay does for messages from other replicas: the receiving half of {@link RelayBus}.
 * Each answers synchronously, so a message is handled before the next one of its subject.
 */
export interface RelayBusHandlers {
  /**
   * A task for a session whose connection is here: `delivered` to the publisher, `queued` for a
   * slot of the LLM (delivered later), false when the connection is not here (any more).
   */
  task(sessionId: string, task: ProviderTask, maxConcurrent: number | null): TaskDelivery;
  /** A task delivered through this replica's connection ended on the replica that opened it. */
  taskEnded(taskId: string): void;
  /** A task opened here that waited in its holder's line went out to the publisher. */
  taskDelivered(taskId: string): void;
  /** Results for a task opened here. */
  results(delivery: ResultDelivery): DeliveryAnswer;
  /** A session's connection ended on replica `holder`: tasks delivered through it fail. */
  sessionGone(sessionId: string, holder: string): void;
  /** A session's connection opened on another replica: a connection of it still held here is stale. */
  sessionAttached(sessionId: string): void;
  /** Another replica changed LLM rows: cached rows are stale. */
  catalogChanged(): void;
  /** Another replica changed who may do what. */
  accessChanged(change: AccessChange): void;
  /** Another replica said what each user holds on it under the per-user caps. */
  userLoad(load: BusUserLoad): void;
  /** Another replica said what its dispatcher holds (in flight, queued), for the live counters. */
  dispatchLoad(load: BusDispatchLoad): void;
  /** Another replica gave back a slot of a public LLM whose slots are kept in the database. */
  slotsFreed(llmId: string): void;
}

/**
 * What crosses replicas when mcpd runs as several (SPEC §12 §8): a task goes to the replica
 * holding its session's connection, results to the replica holding the task's caller, and news
 * of sessions and rows to everyone. One process alone has no bus; the relay then stays in memory.
 * The relay knows this interface only; `bus/` carries it (NATS).
 */
export interface RelayBus {
  /** This replica's id, carried in the id of every task it opens so results find their way back. */
  readonly replicaId: string;
  /** Starts delivering messages to `handlers`. */
  start(handlers: RelayBusHandlers): Promise<void>;
  /** Sends a task to the replica holding the session's connection. Rejects with {@link BusPayloadTooLargeError}. */
  sendTask(sessionId: string, task: ProviderTask, maxConcurrent?: number | null): Promise<TaskSendOutcome>;
  /** Tells replica `holder`, which delivered the task, that it ended here. */
  taskEnded(holder: string, taskId: string): void;
  /** Tells replica `opener` that its task, which waited here for a slot, went out to the publisher. */
  taskDelivered(opener: string, taskId: string): void;
  /** Whether replica `replicaId` answers over the bus: a replica on another NATS server, or under another subject prefix, does not. */
  ping(replicaId: string): Promise<boolean>;
  /** Sends results to the replica that opened their task. */
  sendResults(replicaId: string, delivery: ResultDelivery): Promise<DeliveryAnswer>;
  /** The session's connection is here now: tasks for it come here. */
  holdSession(sessionId: string): void;
  /** The session's connection here ended (replaced elsewhere, or gone): tasks for it no longer come here. */
  releaseSession(sessionId: string): void;
  /** Tells every replica that tasks delivered through `holder` to the session will get no answer. */
  sessionGone(sessionId: string, holder: string): void;
  /** LLM rows changed here. */
  catalogChanged(): void;
  /** Who may do what changed here. */
  accessChanged(change: AccessChange): void;
  /** What each user holds here under the per-user caps, for the other replicas to count. */
  reportUserLoad(held: BusUserLoad['held']): void;
  /** What the dispatcher holds here (in flight, queued), for the other replicas' live counters. */
  reportDispatchLoad(load: Omit<BusDispatchLoad, 'from'>): void;
  /** A slot of the public LLM `llmId` was given back here. */
  slotsFreed(llmId: string): void;
  close(): Promise<void>;
}
