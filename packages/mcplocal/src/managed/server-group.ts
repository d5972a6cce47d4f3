import type { ManagedServer } from './managed-server.js';

/**
 * Managed servers that share a `group` (one GPU, several models) run one at a time, as
 * llama-swap does on one machine: a start waits its turn, and stops the member running once that
 * member's requests have ended. Requests for the stopped member then wait their own turn.
 */
export class ServerGroup {
  #running: ManagedServer | undefined;
  #turn: Promise<void> = Promise.resolve();

  constructor(readonly name: string) {}

  /** The member serving now, if any. */
  get running(): ManagedServer | undefined {
    return this.#running;
  }

  /** Runs `launch` (the start of `server`) alone, after the member running has drained and stopped. */
  startAlone(server: ManagedServer, launch: () => Promise<void>): Promise<void> {
    const turn = this.#turn.then(async () => {
      const running = this.#running;
      if (running && running !== server) await running.drainAndStop();
      this.#running = server;
      await launch();
    });
    this.#turn = turn.catch(() => undefined);
    return turn;
  }

  /** A member stopped (asked to, or crashed). */
  stopped(server: ManagedServer): void {
    if (this.#running === server) this.#running = undefined;
  }
}
