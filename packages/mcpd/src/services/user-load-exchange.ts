import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { BusUserLoad } from '@mcpctl/protocol';
import type { RelayBus } from '../relay/relay-bus.js';
import type { PerUserLimit } from '../security/per-user-limit.js';
import { ReplicaReports } from './replica-reports.js';

/** How often each replica says what it holds per user. */
export const USER_LOAD_INTERVAL_MS = 1_000;

/**
 * The in-memory per-user caps among replicas (SPEC §9, §12 §8): every second each replica tells
 * the others what each user holds on it, and each cap counts what the others said beside its own.
 * A user's share on another replica is at most about a second old, so a cap holds across
 * replicas within that, and a replica that dies stops counting after three seconds.
 */
export class UserLoadExchange {
  readonly #reports: ReplicaReports<BusUserLoad['held']>;
  #stop: Cancel | undefined;

  constructor(
    private readonly limits: Readonly<Record<string, PerUserLimit>>,
    private readonly bus: RelayBus,
    private readonly clock: Clock,
  ) {
    this.#reports = new ReplicaReports(clock);
    for (const [name, limit] of Object.entries(limits)) limit.countElsewhere((userId) => this.heldElsewhere(name, userId));
  }

  start(): void {
    this.#stop ??= every(this.clock, USER_LOAD_INTERVAL_MS, () => this.bus.reportUserLoad(this.#held()));
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  /** What another replica said it holds. */
  reported(load: BusUserLoad): void {
    this.#reports.set(load.from, load.held);
  }

  /** What the other replicas hold for `userId` under cap `limit`, as they last said within the staleness bound. */
  heldElsewhere(limit: string, userId: string): number {
    let held = 0;
    for (const { report } of this.#reports.fresh()) held += report[limit]?.[userId] ?? 0;
    return held;
  }

  #held(): BusUserLoad['held'] {
    const held: BusUserLoad['held'] = {};
    for (const [name, limit] of Object.entries(this.limits)) {
      const byUser = limit.snapshot();
      if (Object.keys(byUser).length > 0) held[name] = byUser;
    }
    return held;
  }
}
