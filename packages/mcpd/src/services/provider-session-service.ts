import type { Clock } from '@mcpctl/clock';
import type { HeartbeatNews, ProviderSessionView } from '@mcpctl/protocol';
import { notFound } from '../errors.js';
import { assertMayHold } from '../rbac/assert-may-publish.js';
import type { AgentRepository } from '../repositories/agent-repository.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import type { ProviderSessionRepository } from '../repositories/provider-session-repository.js';
import type { ChannelCloseReason, ControlChannel } from '../relay/control-channel.js';
import type { ProviderHub } from '../relay/provider-hub.js';
import type { RecentRevocations } from './recent-revocations.js';
import type { RelayBus } from '../relay/relay-bus.js';
import type { TaskRegistry } from '../relay/task-registry.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';
import type { Principal } from '../rbac/principal.js';
import { ConnectionOpeners, type ConnectionOpener, type Reauthenticate } from './connection-openers.js';
import { HeartbeatBatch } from './heartbeat-batch.js';
import { sessionRef } from './llm-view.js';

/** How long the heartbeats of the sessions held here gather before they are written together. */
export const HEARTBEAT_WINDOW_MS = 100;

/** The lifecycle of SPEC §3 as heartbeats and control streams drive it. */
export class ProviderSessionService {
  /** Per-session queue: a stream that opens and closes at once must not end up revived. */
  readonly #queues = new Map<string, Promise<void>>();
  /** Who opened each connection, with which token: revoking it ends the stream (SPEC §12, §9), and so do its expiry and grants withdrawn. */
  readonly #openers: ConnectionOpeners;
  /** When each connection held here opened, for the sessions view. */
  readonly #openedAt = new WeakMap<ControlChannel, Date>();
  /** Connections moving to another replica while this one drains. */
  readonly #leaving = new WeakSet<ControlChannel>();
  /** This replica drains among others: a connection that opens now moves on at once. */
  #movingAway = false;
  /** Beats of the sessions held here, written a window at a time. */
  readonly #beats: HeartbeatBatch;

  constructor(
    private readonly sessions: ProviderSessionRepository,
    private readonly llms: LlmRepository,
    private readonly agents: AgentRepository,
    private readonly hub: ProviderHub,
    private readonly tasks: TaskRegistry,
    private readonly catalog: LlmCatalog,
    private readonly clock: Clock,
    /** Tokens revoked and users deleted lately (recorded before `tokenRevoked` is called). */
    private readonly revocations: RecentRevocations,
    /** This process's id; among replicas, the one its sessions' rows name while it holds their connections. */
    private readonly replicaId: string,
    /** Among replicas: where the sessions held here are announced. */
    private readonly bus?: RelayBus,
  ) {
    this.#beats = new HeartbeatBatch(clock, HEARTBEAT_WINDOW_MS, (sessionIds) => this.#reviveHeld(sessionIds));
    this.#openers = new ConnectionOpeners(clock, llms, async ({ sessionId, channel }) => {
      if (this.hub.channel(sessionId) !== channel) return false;
      await this.disconnect(sessionId, 'sessionGone', 'its token or grants no longer let it publish');
      return true;
    });
  }

  /**
   * A session id is a secret bound to its owner: anyone else is told it does not exist,
   * exactly like an id that never did.
   */
  async requireOwnSession(principal: Principal, sessionId: string | undefined): Promise<string> {
    const session = sessionId ? await this.sessions.findById(sessionId) : undefined;
    if (!session || session.ownerId !== principal.userId) throw notFound('unknown provider session; register first');
    return session.id;
  }

  /**
   * The caller's own session, whose rows it may still publish: opening its connection brings
   * them back, so a grant withdrawn since the registration (a pool's, or publishing at all) is
   * refused here with the words a new registration would get.
   */
  async requireConnectable(principal: Principal, sessionId: string | undefined): Promise<string> {
    const id = await this.requireOwnSession(principal, sessionId);
    assertMayHold(principal, await this.llms.listBySession(id));
    return id;
  }

  /** Publishers' sessions: every one for an admin, the caller's own for anyone else. */
  async list(principal: Principal): Promise<ProviderSessionView[]> {
    const rows = await this.sessions.listWithOwners(principal.admin ? undefined : principal.userId);
    return rows.map((row) => {
      // Held here, the channel says; held by another replica, its row does.
      const here = this.hub.channel(row.id);
      const elsewhere = this.bus !== undefined && row.replicaId !== null && row.replicaId !== this.replicaId;
      return {
        ref: sessionRef(row.id),
        owner: row.ownerName,
        connected: here !== undefined || elsewhere,
        transport: here?.transport ?? (elsewhere ? row.transport : null),
        connectedAt: (here ? this.#openedAt.get(here) : elsewhere ? row.connectedAt : null)?.toISOString() ?? null,
      lastHeartbeatAt: row.lastHeartbeatAt?.toISOString() ?? null,
        createdAt: row.createdAt.toISOString(),
        llms: row.llmNames,
        // Where a workstation's connection sits is an operator's question.
        ...(principal.admin && this.bus !== undefined ? { replica: here ? this.replicaId : elsewhere ? row.replicaId : null } : {}),
      };
    });
  }

  /**
   * Keeps the session from going silent. Its rows revive only while its stream is open here:
   * status is the truth (SPEC §12), and a heartbeat alone does not make a publisher reachable.
   * `news` names rows whose backend went to sleep (they flip so the next request wakes them) and
   * rows told asleep before whose backend serves again without a wake.
   */
  async heartbeat(principal: Principal, sessionId: string, news: HeartbeatNews = {}): Promise<void> {
    const id = await this.requireOwnSession(principal, sessionId);
    if (this.hub.channel(id)) {
      // Its caller waits for the answer: written now, with any beats gathered meanwhile.
      await Promise.all([this.#beats.add(id), this.#beats.flush()]);
    } else {
      await this.#inOrder(id, () => this.#touch(id));
    }
    await this.#markStatus(id, news);
  }

  /**
   * A heartbeat on the connection held here, whose owner was checked when it opened: gathered
   * with the other sessions' beats and written with them (see {@link HeartbeatBatch}).
   */
  async heartbeatOnConnection(sessionId: string, news: HeartbeatNews = {}): Promise<void> {
    if (!hasNews(news)) return this.#beats.add(sessionId);
    // Rare, and in order: the beat's revival first (written now), so it cannot undo the mark.
    await Promise.all([this.#beats.add(sessionId), this.#beats.flush()]);
    await this.#markStatus(sessionId, news);
  }

  async #markStatus(sessionId: string, news: HeartbeatNews): Promise<void> {
    if (!hasNews(news)) return;
    await this.#inOrder(sessionId, async () => {
      const now = this.clock.now();
      if (news.hibernating?.length) await this.llms.markHibernating(sessionId, news.hibernating, now);
      if (news.awake?.length) await this.llms.markServing(sessionId, news.awake, now);
      this.catalog.invalidate();
    });
  }

  /**
   * Beats of sessions held here, a window's worth: every row bumped, inactive ones back. Only
   * rows that came back change what others cache, here and among replicas. A connection that
   * closed since its beat is left alone: its rows are being marked inactive.
   */
  async #reviveHeld(sessionIds: readonly string[]): Promise<void> {
    const held = sessionIds.filter((sessionId) => this.hub.channel(sessionId));
    if (held.length === 0) return;
    const now = this.clock.now();
    await this.sessions.touch(held, now);
    const back = (await this.llms.reviveSession(held, now)) + (await this.agents.reviveSession(held, now));
    if (back > 0) this.catalog.invalidate();
  }

  /**
   * A stream opened: it replaces any older one, and the session's rows revive. Tasks sent on the
   * replaced stream fail at once: a publisher that opens a new stream may never have seen them.
   */
  async streamOpened(sessionId: string, channel: ControlChannel, opener: ConnectionOpener): Promise<void> {
    // Authenticated just before its token was revoked (or its user deleted), attaching just after.
    if (this.revocations.refusal(opener.principal) !== undefined) {
      channel.close('sessionGone');
      return;
    }
    // Let in just before the drain began (its checks were under way): it reconnects elsewhere.
    if (this.#movingAway) {
      channel.close('shuttingDown');
      return;
    }
    this.#openers.opened({ sessionId, channel }, opener);
    this.#openedAt.set(channel, this.clock.now());
    const older = this.hub.attach(sessionId, channel);
    if (older) {
      this.#openers.closed(older);
      this.tasks.failSession(sessionId, this.replicaId);
    }
    this.bus?.holdSession(sessionId);
    await this.#inOrder(sessionId, async () => {
      // The newest connection wins: claimed before the rows revive, so a release racing it leaves them.
      if (this.bus) await this.sessions.setReplica(sessionId, this.replicaId, channel.transport, this.#openedAt.get(channel) ?? this.clock.now());
      await this.#revive(sessionId);
    });
  }

  /**
   * The session's connection opened on another replica: one still held here is stale (the
   * publisher reconnected through the balancer before this side noticed). It closes as replaced,
   * its tasks fail, and its rows stay as the other replica made them.
   */
  takenOver(sessionId: string): void {
    const channel = this.hub.channel(sessionId);
    if (!channel || !this.hub.detach(sessionId, channel)) return;
    this.#openers.closed(channel);
    channel.close('replaced');
    this.#released(sessionId);
  }

  /**
   * Sessions held here whose claim was swept while this replica lived (its liveness row went
   * while the database was out of reach): claimed again, unless another replica took them
   * meanwhile, and their rows revived. Answers the sessions claimed.
   */
  async reclaim(sessionIds: readonly string[] = this.hub.sessionIds()): Promise<string[]> {
    const claimed: string[] = [];
    await Promise.all(
      sessionIds.map((sessionId) =>
        this.#inOrder(sessionId, async () => {
          const channel = this.hub.channel(sessionId);
          if (!channel || !(await this.sessions.claimIfFree(sessionId, this.replicaId, channel.transport, this.#openedAt.get(channel) ?? this.clock.now()))) return;
          claimed.push(sessionId);
          await this.#revive(sessionId);
        }),
      ),
    );
    return claimed;
  }

  /** Whether the session's connection is held here. */
  holds(sessionId: string): boolean {
    return this.hub.channel(sessionId) !== undefined;
  }

  /**
   * A token was revoked: the streams opened with it end now, as if they had closed (rows
   * inactive, tasks failed), instead of carrying prompts until the publisher next reconnects.
   */
  async tokenRevoked(tokenId: string): Promise<void> {
    const opened = this.hub.sessionIds().filter((sessionId) => {
      const channel = this.hub.channel(sessionId);
      return channel !== undefined && this.#openers.openedWith(channel, tokenId);
    });
    await Promise.all(opened.map((sessionId) => this.disconnect(sessionId, 'sessionGone', 'the token it was opened with was revoked')));
  }

  /**
   * A token, user or role binding changed: each connection held here is checked again with the
   * header it opened with, and one whose token no longer lets it in, or whose publisher may no
   * longer hold its rows (a pool's grant withdrawn, a role taken away), ends as a revoked one does.
   * Its publisher reconnects and registers again, and is told why it is refused. Answers the
   * sessions ended.
   */
  accessChanged(reauthenticate: Reauthenticate): Promise<string[]> {
    const held = () =>
      this.hub.sessionIds().flatMap((sessionId) => {
        const channel = this.hub.channel(sessionId);
        return channel ? [{ sessionId, channel }] : [];
      });
    return this.#openers.recheck(held, reauthenticate);
  }

  /**
   * This replica drains among others (a rolling restart): every session held here moves to a
   * replica that stays, its rows left as they are, its tasks left running; `move` is
   * `TaskRouter.moveAway`. Resolves once each has moved or its deadline passed.
   */
  async moveAway(move: (sessionId: string, channel: ControlChannel) => Promise<void>): Promise<void> {
    this.#movingAway = true;
    await Promise.all(
      this.hub.sessionIds().map(async (sessionId) => {
        const channel = this.hub.channel(sessionId);
        if (!channel) return;
        this.#leaving.add(channel);
        this.hub.detach(sessionId, channel, true);
        this.#openers.closed(channel);
        await move(sessionId, channel);
      }),
    );
  }

  /** A stream closed: unless a newer one took over, rows go inactive and tasks fail at once. */
  async streamClosed(sessionId: string, channel: ControlChannel): Promise<void> {
    if (this.#leaving.delete(channel)) {
      // A moving socket closes once its tasks ended, or broke before: what it still carried gets no answer.
      if (channel.carriesResults) this.#failDeliveredHere(sessionId);
      return;
    }
    if (!this.hub.detach(sessionId, channel)) return;
    this.#openers.closed(channel);
    await this.#gone(sessionId);
  }

  /**
   * mcpd ends a session's stream itself (silent past the heartbeat timeout, or a shutdown):
   * the same as the stream closing, without waiting for the socket to say so.
   */
  async disconnect(sessionId: string, reason: ChannelCloseReason = 'sessionGone', detail?: string): Promise<void> {
    const channel = this.hub.channel(sessionId);
    if (!channel || !this.hub.detach(sessionId, channel)) return;
    this.#openers.closed(channel);
    channel.close(reason, detail);
    await this.#gone(sessionId);
  }

  /** A shutdown: every stream of this process ends, its rows marked inactive before this resolves. */
  async disconnectAll(): Promise<void> {
    await Promise.all(this.hub.sessionIds().map((sessionId) => this.disconnect(sessionId, 'shuttingDown')));
  }

  /** Resolves once the session work queued so far (rows revived or marked inactive) is done. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
  }

  /** Sessions with a stream open on this process. */
  connectedSessionIds(): string[] {
    return this.hub.sessionIds();
  }

  /** The session's connection here ended: its tasks fail here and, over the bus, wherever they were opened. */
  #released(sessionId: string): void {
    this.bus?.releaseSession(sessionId);
    this.#failDeliveredHere(sessionId);
  }

  /** Tasks delivered through this replica's connection of the session get no answer: they fail here and wherever they were opened. */
  #failDeliveredHere(sessionId: string): void {
    this.tasks.failSession(sessionId, this.replicaId);
    this.bus?.sessionGone(sessionId, this.replicaId);
  }

  async #gone(sessionId: string): Promise<void> {
    this.#released(sessionId);
    // Requests waiting for this publisher look again now, not when the database answers.
    this.catalog.invalidate();
    await this.#inOrder(sessionId, async () => {
      // Beats being written when it closed go first, so they cannot revive the rows after this.
      await this.#beats.settled();
      // A newer stream may have attached while this waited its turn, here or on another replica.
      if (this.hub.channel(sessionId)) return;
      if (this.bus && !(await this.sessions.releaseReplica(sessionId, this.replicaId))) return;
      const now = this.clock.now();
      // Among replicas, only while still unheld: another replica claims before it revives.
      const unheldOnly = this.bus !== undefined;
      await this.llms.markSessionInactive(sessionId, now, { unheldOnly });
      await this.agents.markSessionInactive(sessionId, now, { unheldOnly });
      this.catalog.invalidate();
    });
  }

  #inOrder(sessionId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#queues.set(sessionId, next);
    void next.finally(() => {
      if (this.#queues.get(sessionId) === next) this.#queues.delete(sessionId);
    }).catch(() => undefined);
    return next;
  }

  async #touch(sessionId: string): Promise<void> {
    const now = this.clock.now();
    await this.sessions.touch(sessionId, now);
    await this.llms.touchSession(sessionId, now);
  }

  /**
   * Rows of a session whose connection opened here come back, and waiting requests look again
   * whatever the rows said (heartbeats are {@link #reviveHeld}).
   */
  async #revive(sessionId: string): Promise<void> {
    const now = this.clock.now();
    await this.sessions.touch(sessionId, now);
    await this.llms.reviveSession(sessionId, now);
    await this.agents.reviveSession(sessionId, now);
    this.catalog.invalidate();
  }
}

function hasNews(news: HeartbeatNews): boolean {
  return (news.hibernating?.length ?? 0) > 0 || (news.awake?.length ?? 0) > 0;
}
