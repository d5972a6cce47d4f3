interface Flight<T> {
  controller: AbortController;
  outcome: Promise<T>;
  members: number;
}

/**
 * At most one piece of work per key: callers that arrive while it runs join it and share its
 * outcome. A caller whose signal aborts leaves alone; once every caller has left, the work's own
 * signal aborts, and the last one to leave settles only when the work has wound down, so a
 * stopping process leaves nothing running behind it.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();
  /** Work not yet settled, including work every caller has left, which is still winding down. */
  private readonly running = new Set<Flight<T>>();

  /** Resolves once every piece of work running now has wound down (its callers gone or answered). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running].map((flight) => flight.outcome));
  }

  /** True while work for `key` runs and someone still waits on it. */
  has(key: string): boolean {
    return this.flights.has(key);
  }

  run(key: string, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const flight = this.flights.get(key) ?? this.start(key, work);
    flight.members += 1;
    return new Promise<T>((resolve, reject) => {
      let present = true;
      const leave = () => {
        present = false;
        flight.members -= 1;
        if (flight.members > 0) return reject(signal.reason);
        this.forget(key, flight);
        flight.controller.abort(signal.reason);
        void flight.outcome.then(
          () => reject(signal.reason),
          () => reject(signal.reason),
        );
      };
      signal.addEventListener('abort', leave, { once: true });
      const settle = (finish: () => void) => {
        if (!present) return;
        signal.removeEventListener('abort', leave);
        flight.members -= 1;
        finish();
      };
      flight.outcome.then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }

  private start(key: string, work: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    // A synchronous throw becomes a rejection every member sees.
    const outcome = Promise.resolve().then(() => work(controller.signal));
    const flight: Flight<T> = { controller, outcome, members: 0 };
    this.flights.set(key, flight);
    this.running.add(flight);
    const over = () => {
      this.running.delete(flight);
      this.forget(key, flight);
    };
    void outcome.then(over, over);
    return flight;
  }

  private forget(key: string, flight: Flight<T>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }
}
