import type { NewAuditRecordRow } from '@mcpctl/db';
import type { AuditRepository } from '../repositories/audit-repository.js';

export interface AuditWriterOptions {
  flushIntervalMs: number;
  /** A batch this large is written at once instead of waiting for the interval. */
  maxBatch: number;
  /** Records beyond this many waiting are dropped (and counted) rather than eating memory. */
  maxPending?: number;
  onError(error: unknown, lost: number): void;
}

/**
 * Collects audit records in memory and writes them in batches, so an inference never waits
 * on a database round trip for its audit line.
 */
export class AuditWriter {
  #pending: NewAuditRecordRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(
    private readonly audit: AuditRepository,
    private readonly options: AuditWriterOptions,
  ) {}

  get dropped(): number {
    return this.#dropped;
  }

  record(entry: NewAuditRecordRow): void {
    if (this.#pending.length >= (this.options.maxPending ?? 100_000)) {
      this.#dropped += 1;
      return;
    }
    this.#pending.push(entry);
    if (this.#pending.length >= this.options.maxBatch) {
      void this.flush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.options.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Writes everything recorded so far; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.audit.insertMany(batch);
      } catch (error) {
        this.options.onError(error, batch.length);
      }
    });
    return this.#flushing;
  }
}
