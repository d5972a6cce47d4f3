import type { Cancel, Clock } from '@mcpctl/clock';
import { isConnectionFailure, type NewAuditRecordRow } from '@mcpctl/db';
import type { AuditRepository } from '../repositories/audit-repository.js';
import { boundAuditRecord } from './bound-audit-record.js';

export interface AuditWriterOptions {
  clock: Clock;
  flushIntervalMs: number;
  /** A batch this large is written at once instead of waiting for the interval. */
  maxBatch: number;
  /** Records beyond this many waiting are dropped (and counted) rather than eating memory. */
  maxPending?: number;
  /**
   * Records could not be stored: `lost` of them, each described by `who` (time, user, LLM,
   * status). Called once per failed flush, with the last error.
   */
  onError(error: unknown, lost: number, who: string[]): void;
  /**
   * The database could not be reached: the records are kept (up to `maxPending`) and tried again
   * every `retryMs`. Called when that starts, not at each retry.
   */
  onHeld?(error: unknown, held: number): void;
  /** How soon a batch the database could not take is tried again; 5 s unless told. */
  retryMs?: number;
}

const DEFAULT_RETRY_MS = 5_000;
const DEFAULT_MAX_PENDING = 100_000;

/**
 * Collects audit records in memory and writes them in batches, so an inference never waits
 * on a database round trip for its audit line.
 */
export class AuditWriter {
  #pending: NewAuditRecordRow[] = [];
  #cancelTimer: Cancel | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #dropped = 0;
  /** Dropped for want of room and not yet reported. */
  #unreported = 0;
  /** The error that keeps records held while the database is away; undefined while it answers. */
  #heldBy: unknown;
  /** `close` ran: nothing is written after it. */
  #closed = false;

  constructor(
    private readonly audit: AuditRepository,
    private readonly options: AuditWriterOptions,
  ) {}

  get dropped(): number {
    return this.#dropped;
  }

  record(entry: NewAuditRecordRow): void {
    // A call that ended after the stop's last write (one cut at the deadline, slow to settle):
    // reported lost at once, not kept behind a timer for a database about to close.
    if (this.#closed) {
      this.#lost(new Error('the audit was closed for the stop before this call ended'), 1, [describe(entry)]);
      return;
    }
    if (this.#pending.length >= (this.options.maxPending ?? DEFAULT_MAX_PENDING)) {
      this.#dropped += 1;
      this.#unreported += 1;
      return;
    }
    this.#pending.push(boundAuditRecord(entry));
    // While the database is away the retry's timer decides: a full batch would only fail again.
    if (this.#pending.length >= this.options.maxBatch && this.#heldBy === undefined) {
      void this.flush();
    } else if (!this.#cancelTimer) {
      this.#cancelTimer = this.options.clock.after(this.options.flushIntervalMs, () => void this.flush());
    }
  }

  /** Writes everything recorded so far; resolves when it is stored (or held, while the database is away). */
  flush(): Promise<void> {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    // What is pending when the write runs, not when it was asked for: a batch put back by the
    // write before it then goes out ahead of what came after it.
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /**
   * Writes what is left, as `flush`, for the last time: records the database still could not take
   * are reported lost, not kept for a retry that will not come.
   */
  async close(): Promise<void> {
    // A write under way may put its batch back, and calls ending meanwhile add theirs: written
    // again until nothing is left or the database is away.
    do await this.flush();
    while (this.#pending.length > 0 && this.#heldBy === undefined);
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const left = this.#pending;
    this.#pending = [];
    if (left.length > 0) this.#lost(this.#heldBy, left.length, left.map(describe));
  }

  async #write(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length > 0) {
      try {
        await this.audit.insertMany(batch);
        this.#heldBy = undefined;
      } catch (error) {
        // An outage (a PostgreSQL restart, a failover) passes: the rows are stored once it does.
        if (isConnectionFailure(error)) this.#hold(batch, error);
        else await this.#insertOneByOne(batch, error);
      }
    }
    if (this.#unreported > 0) {
      const count = this.#unreported;
      this.#unreported = 0;
      this.#lost(new Error(`more audit records waited than the ${this.options.maxPending ?? DEFAULT_MAX_PENDING} kept`, { cause: this.#heldBy }), count, []);
    }
  }

  /** Puts `batch` back before what came since, and tries again later. */
  #hold(batch: NewAuditRecordRow[], error: unknown): void {
    if (this.#heldBy === undefined) {
      const held = batch.length + this.#pending.length;
      this.#tell(() => this.options.onHeld?.(error, held));
    }
    this.#heldBy = error;
    const kept = [...batch, ...this.#pending];
    const room = this.options.maxPending ?? DEFAULT_MAX_PENDING;
    const overflow = Math.max(0, kept.length - room);
    this.#dropped += overflow;
    this.#unreported += overflow;
    this.#pending = kept.slice(0, room);
    this.#cancelTimer?.();
    this.#cancelTimer = this.options.clock.after(this.options.retryMs ?? DEFAULT_RETRY_MS, () => void this.flush());
  }

  #lost(error: unknown, lost: number, who: string[]): void {
    this.#tell(() => this.options.onError(error, lost, who));
  }

  /** A listener that throws must not stop the writer: every later flush would fail with it. */
  #tell(listener: () => void): void {
    try {
      listener();
    } catch {
      // The listener's own failure (a logger that broke) has nowhere better to go.
    }
  }

  /**
   * A batch is one statement, so one row the database refuses fails all of them: other users'
   * records must not go down with it. Each row is tried on its own; only those still refused
   * are lost, and reported.
   */
  async #insertOneByOne(batch: NewAuditRecordRow[], batchError: unknown): Promise<void> {
    // The database answered (it refused a row): whatever outage there was is over.
    this.#heldBy = undefined;
    let lastError = batchError;
    const lost: NewAuditRecordRow[] = [];
    if (batch.length === 1) {
      lost.push(...batch);
    } else {
      for (const [index, record] of batch.entries()) {
        try {
          await this.audit.insertMany([record]);
        } catch (error) {
          if (isConnectionFailure(error)) {
            // Gone meanwhile: the rows not yet tried wait for it, as a batch would.
            this.#hold(batch.slice(index), error);
            break;
          }
          lastError = error;
          lost.push(record);
        }
      }
    }
    if (lost.length > 0) this.#lost(lastError, lost.length, lost.map(describe));
  }
}

/** Enough to find the call again in other logs; never a prompt, and names already bounded. */
function describe(record: NewAuditRecordRow): string {
  return `${record.at.toISOString()} ${record.userName ?? '-'} ${record.llmName.slice(0, 64)} ${record.status}`;
}
