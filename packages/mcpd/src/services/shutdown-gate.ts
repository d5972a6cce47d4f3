import { serviceUnavailable } from '../errors.js';

/** Seconds a refused caller should wait: by then another replica, or this one restarted, takes it. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Whether this process is draining for a shutdown. While it drains it still answers result posts
 * and heartbeats for the work in flight, but takes no new work: new inference, new control
 * streams and registrations get 503, and `/readyz` tells balancers to stop sending.
 */
export class ShutdownGate {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  begin(): void {
    this.#draining = true;
  }

  /** Throws 503 (with `Retry-After`) once draining; `what` names the refused work. */
  assertAccepting(what: string): void {
    if (this.#draining) throw serviceUnavailable(`mcpd is shutting down and takes no ${what}; retry shortly`, RETRY_AFTER_SECONDS);
  }
}
