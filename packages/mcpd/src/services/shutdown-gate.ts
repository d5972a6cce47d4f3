import { serviceUnavailable } from '../errors.js';

/** Seconds a refused caller should wait: by then another replica, or this one restarted, takes it. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Where this process is on its way out. SIGTERM makes it `leaving`: `/readyz` tells balancers to
 * stop sending, every answer closes its connection, and new control connections are refused, but
 * everything else is still served as before, for `MCPD_SHUTDOWN_DELAY_SECONDS` (a balancer that
 * probes `/readyz` takes the process out meanwhile). Then it `draining`: it still answers result
 * posts and heartbeats for the work in flight. One process alone takes no new work from then on:
 * new inference and registrations get 503. Among replicas (`peersServe`) it still serves what
 * reaches it on the connections it has, so a rolling restart fails nobody.
 */
export class ShutdownGate {
  #leaving = false;
  #draining = false;

  constructor(private readonly peersServe = false) {}

  /** From SIGTERM on: not ready, connections closed after each answer. */
  get leaving(): boolean {
    return this.#leaving;
  }

  /** From the end of the shutdown delay on: the drain. */
  get draining(): boolean {
    return this.#draining;
  }

  leave(): void {
    this.#leaving = true;
  }

  begin(): void {
    this.#leaving = true;
    this.#draining = true;
  }

  /** New work (inference, registrations): 503 (with `Retry-After`) once draining, unless other replicas serve beside this one. */
  assertAccepting(what: string): void {
    if (this.#draining && !this.peersServe) this.#refuse(what);
  }

  /**
   * A new control connection, which would hold a publisher here: 503 once leaving, among
   * replicas too, where the retry may come within a second (`Retry-After: 1`): its next
   * connection through the balancer reaches a replica that stays.
   */
  assertHolding(what: string): void {
    if (this.#leaving) this.#refuse(what, this.peersServe ? 1 : RETRY_AFTER_SECONDS);
  }

  #refuse(what: string, retryAfterSeconds = RETRY_AFTER_SECONDS): never {
    throw serviceUnavailable(`mcpd is shutting down and takes no ${what}; retry shortly`, retryAfterSeconds);
  }
}
