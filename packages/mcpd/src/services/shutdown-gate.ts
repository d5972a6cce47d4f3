import { serviceUnavailable } from '../errors.js';

/** Seconds a refused caller should wait: by then another replica, or this one restarted, takes it. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Whether this process is draining for a shutdown. While it drains it still answers result posts
 * and heartbeats for the work in flight, `/readyz` tells balancers to stop sending, and every
 * answer closes its connection. One process alone takes no new work: new inference,
 * registrations and control streams get 503. Among replicas (`peersServe`) it still serves what
 * reaches it on the connections it has, so a rolling restart fails nobody; only control
 * connections are refused, since a publisher must land on a replica that stays.
 */
export class ShutdownGate {
  #draining = false;

  constructor(private readonly peersServe = false) {}

  get draining(): boolean {
    return this.#draining;
  }

  begin(): void {
    this.#draining = true;
  }

  /** New work (inference, registrations): 503 (with `Retry-After`) once draining, unless other replicas serve beside this one. */
  assertAccepting(what: string): void {
    if (this.#draining && !this.peersServe) this.#refuse(what);
  }

  /**
   * A new control connection, which would hold a publisher here: 503 once draining, among
   * replicas too, where the retry may come within a second (`Retry-After: 1`): its next
   * connection through the balancer reaches a replica that stays.
   */
  assertHolding(what: string): void {
    if (this.#draining) this.#refuse(what, this.peersServe ? 1 : RETRY_AFTER_SECONDS);
  }

  #refuse(what: string, retryAfterSeconds = RETRY_AFTER_SECONDS): never {
    throw serviceUnavailable(`mcpd is shutting down and takes no ${what}; retry shortly`, retryAfterSeconds);
  }
}
