import { every, type Cancel, type Clock } from '@mcpctl/clock';

/** How often access is looked at again while NATS is lost: as often as a dashboard's event stream reads its caller again. */
export const ACCESS_RECHECK_WHILE_BUS_LOST_MS = 10_000;

/**
 * Among replicas, a token revoked, a user deleted or a binding changed on another replica is told
 * over NATS, and ends at once what this replica holds with it (a publisher's control connection
 * above all). A replica cut off from NATS hears none of it: while the connection is lost it looks
 * again every {@link ACCESS_RECHECK_WHILE_BUS_LOST_MS}, and once more when it is back, for what
 * changed meanwhile. `recheck` drops the cached grants and checks the held connections again
 * against the database.
 */
export class AccessWhileBusLost {
  #rechecking: Cancel | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly recheck: () => void,
  ) {}

  lost(): void {
    this.#rechecking ??= every(this.clock, ACCESS_RECHECK_WHILE_BUS_LOST_MS, this.recheck);
  }

  back(): void {
    this.stop();
    this.recheck();
  }

  stop(): void {
    this.#rechecking?.();
    this.#rechecking = undefined;
  }
}
