import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { LlmCatalog } from '../catalog/llm-catalog.js';
import type { ReconnectGrace } from '../dispatch/reconnect-grace.js';
import type { RelayBus } from '../relay/relay-bus.js';
import type { TaskRegistry } from '../relay/task-registry.js';
import type { AgentRepository } from '../repositories/agent-repository.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import type { ReplicaRepository } from '../repositories/replica-repository.js';

export interface PresenceTiming {
  /** How often this replica says it is alive, and looks for replicas that stopped. */
  beatMs: number;
  /** Silent this long, a replica is dead (SPEC §12 §8: its sessions' rows go within 15 s). */
  staleMs: number;
}

/** Default timing: a replica found dead within `staleMs + beatMs` = 15 s of its last beat. */
export const PRESENCE_TIMING: PresenceTiming = { beatMs: 5_000, staleMs: 10_000 };

/** The connections held here, as liveness needs them. */
export interface HeldSessions {
  holds(sessionId: string): boolean;
  /** Claims sessions held here again (all of them by default); answers those claimed. */
  reclaim(sessionIds?: readonly string[]): Promise<string[]>;
}

/**
 * Status truth among replicas: a row is `active` only while its session's connection is held by
 * a live replica. Each replica beats its liveness row and sweeps the rows of replicas that
 * stopped beating (killed, frozen, cut off), taking their sessions' rows inactive and failing
 * every replica's tasks sent through them. Every replica sweeps; the statement that releases a
 * session does so once.
 */
export class ReplicaPresence {
  #stop: Cancel | undefined;
  #stopped = false;
  /** The round running, if any: rounds never overlap, and a stop waits for the last. */
  #round: Promise<void> | undefined;

  constructor(
    private readonly replicas: ReplicaRepository,
    private readonly llms: LlmRepository,
    private readonly agents: AgentRepository,
    private readonly tasks: TaskRegistry,
    private readonly catalog: LlmCatalog,
    private readonly bus: RelayBus,
    private readonly held: HeldSessions,
    /** Requests for the rows of a dead replica's sessions wait a while for their publishers to reconnect elsewhere. */
    private readonly grace: ReconnectGrace,
    private readonly clock: Clock,
    private readonly timing: PresenceTiming,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** This replica's id, and those of every replica alive now (this one among them), sorted: for an operator. */
  async replicasAlive(): Promise<{ self: string; alive: string[] }> {
    return { self: this.bus.replicaId, alive: (await this.replicas.aliveIds(this.timing.staleMs)).sort() };
  }

  /** Beats once and sweeps (before the replica takes connections), then keeps at it. */
  async start(): Promise<void> {
    await this.replicas.beat(this.bus.replicaId);
    await this.sweep();
    this.#stop = every(this.clock, this.timing.beatMs, () => {
      if (this.#round || this.#stopped) return;
      this.#round = this.#beatAndSweep()
        .catch(this.onError)
        .finally(() => (this.#round = undefined));
    });
  }

  /**
   * The other live replicas (beating in the database) that do not answer over the bus: they use
   * another NATS server or subject prefix, and nothing can be relayed between them and this one.
   */
  async unheard(): Promise<string[]> {
    const others = (await this.replicas.aliveIds(this.timing.staleMs)).filter((id) => id !== this.bus.replicaId);
    const answered = await Promise.all(others.map((id) => this.bus.ping(id)));
    return others.filter((_id, index) => !answered[index]);
  }

  /** Sweeps replicas silent past `staleMs`; answers the sessions whose rows went inactive. */
  async sweep(): Promise<string[]> {
    const released = await this.replicas.sweepDead(this.timing.staleMs);
    if (released.length === 0) return [];
    // This replica's own claims, swept while it lived: they are claimed again, not lost.
    const mine = released.filter(({ sessionId }) => this.held.holds(sessionId)).map(({ sessionId }) => sessionId);
    if (mine.length > 0) await this.held.reclaim(mine);
    const orphaned = released.filter(({ sessionId }) => !this.held.holds(sessionId));
    const sessionIds = orphaned.map(({ sessionId }) => sessionId);
    const now = this.clock.now();
    await this.llms.markSessionInactive(sessionIds, now, { unheldOnly: true });
    await this.agents.markSessionInactive(sessionIds, now, { unheldOnly: true });
    this.grace.expect(sessionIds, 'now');
    for (const { sessionId, holder } of orphaned) {
      this.tasks.failSession(sessionId, holder);
      this.bus.sessionGone(sessionId, holder);
    }
    if (sessionIds.length > 0) this.catalog.invalidate();
    return sessionIds;
  }

  /** A graceful stop, once this replica's sessions are released: its row goes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stop?.();
    await this.#round;
    await this.replicas.remove(this.bus.replicaId);
  }

  async #beatAndSweep(): Promise<void> {
    if (!(await this.replicas.beat(this.bus.replicaId))) await this.held.reclaim();
    if (this.#stopped) return;
    await this.sweep();
    await this.failOrphans();
  }

  /**
   * Tasks opened here that went out through a replica no longer alive, and heard nothing from
   * since, fail once the reconnect grace has passed. The sweep fails the tasks of sessions that
   * died with their replica; a session whose publisher reconnected to another replica before the
   * sweep is not orphaned there, and without this its tasks that waited in the dead replica's
   * line for a slot, or whose last results died with it, waited out the relay timeout.
   */
  async failOrphans(): Promise<number> {
    const alive = new Set(await this.replicas.aliveIds(this.timing.staleMs));
    return this.tasks.failOrphans(alive, this.bus.replicaId, this.clock.monotonic(), this.grace.waitMs);
  }
}
