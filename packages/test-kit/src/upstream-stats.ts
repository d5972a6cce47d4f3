import type { IncomingHttpHeaders } from 'node:http';
import { TestKitError } from './errors.js';

/** A request as it reached the fake upstream. */
export interface RecordedRequest {
  method: string;
  /** The path without its query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** Epoch milliseconds. */
  receivedAt: number;
}

interface Waiter {
  check(): boolean;
  resolve(): void;
  reject(error: Error): void;
}

/** Counters a test reads to see what the upstream went through, and waits on without polling. */
export class UpstreamStats {
  requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  cancelled = 0;
  wakeCalls = 0;
  private readonly waiters = new Set<Waiter>();

  begin(): void {
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  end(abandoned: boolean): void {
    this.inFlight -= 1;
    if (abandoned) {
      this.cancelled += 1;
      this.notify();
    }
  }

  record(request: RecordedRequest): void {
    this.requests.push(request);
    this.notify();
  }

  reset(): void {
    this.requests = [];
    this.cancelled = 0;
    this.wakeCalls = 0;
    this.maxInFlight = this.inFlight;
  }

  /** Resolves once `check()` holds; rejects after `timeoutMs`, saying what it waited for and what it saw. */
  waitUntil(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new TestKitError(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  rejectWaiters(error: Error): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }

  private notify(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
