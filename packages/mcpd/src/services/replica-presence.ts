import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { LlmCatalog } from '../catalog/llm-catalog.js';
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

/**
 * Status truth among replicas: a row is `active` only while its session's connection is held by
 * a live replica. Each replica beats its liveness row and sweeps the rows of replicas that
 * stopped beating (killed, frozen, cut off), taking their sessions' rows inactive and failing
 * every replica's tasks for them. The sweep is idempotent: every replica runs it.
 */
export class ReplicaPresence {
  #stop: Cancel | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly replicas: ReplicaRepository,
    private readonly llms: LlmRepository,
    private readonly agents: AgentRepository,
    private readonly tasks: TaskRegistry,
    private readonly catalog: LlmCatalog,
    private readonly bus: RelayBus,
    /** Sessions held here, claimed again when this replica's row was swept while it lived. */
    private readonly reclaim: () => Promise<void>,
    private readonly clock: Clock,
    private readonly timing: PresenceTiming,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Beats once and sweeps (before the replica takes connections), then keeps at it. */
  async start(): Promise<void> {
    await this.replicas.beat(this.bus.replicaId);
    await this.sweep();
    this.#stop = every(this.clock, this.timing.beatMs, () => {
      this.#running = this.#round().catch(this.onError);
    });
  }

  /** Sweeps replicas silent past `staleMs`; answers the sessions released. */
  async sweep(): Promise<string[]> {
    const released = await this.replicas.sweepDead(this.timing.staleMs);
    if (released.length === 0) return released;
    const now = this.clock.now();
    await this.llms.markSessionInactive(released, now);
    await this.agents.markSessionInactive(released, now);
    for (const sessionId of released) {
      this.tasks.failSession(sessionId);
      this.bus.releaseSession(sessionId, true);
    }
    this.catalog.invalidate();
    return released;
  }

  /** A graceful stop, once this replica's sessions are released: its row goes. */
  async stop(): Promise<void> {
    this.#stop?.();
    await this.#running;
    await this.replicas.remove(this.bus.replicaId);
  }

  async #round(): Promise<void> {
    if (!(await this.replicas.beat(this.bus.replicaId))) await this.reclaim();
    await this.sweep();
  }
}
