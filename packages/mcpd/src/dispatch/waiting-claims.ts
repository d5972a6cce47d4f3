import type { InferenceTarget } from '../catalog/llm-catalog.js';
import type { SharedTurn } from './shared-llm-slots.js';

/** A claim of this replica waiting for its turn in an LLM's line, and the request behind it. */
export interface WaitingClaim {
  claimId: string;
  llmId: string;
  limit: number;
  /** What its refusals name: the pool asked for, or the LLM. */
  name: string;
  userId: string;
  /** The dispatcher's name for what the request asked for (`llm:NAME`, `pool:NAME`): its wait is counted under it. */
  key: string;
  /** When it began to wait (the clock's monotonic ms). */
  since: number;
  /** The other candidates of a pool's request: a slot freed on one of them is tried for it. */
  others: readonly InferenceTarget[];
  settled: boolean;
  grant(): void;
  /** A turn came on another candidate: its own place is given up. */
  grantElsewhere(turn: SharedTurn): void;
  fail(error: Error): void;
}

/**
 * This replica's waiting claims: per LLM in the order they were made (its line), and per LLM the
 * pools' requests that wait in another line but may run on it (its watchers).
 */
export class WaitingClaims {
  readonly #lines = new Map<string, WaitingClaim[]>();
  readonly #watchers = new Map<string, Set<WaitingClaim>>();

  add(claim: WaitingClaim): void {
    this.#lines.set(claim.llmId, [...(this.#lines.get(claim.llmId) ?? []), claim]);
    for (const other of claim.others) {
      const watchers = this.#watchers.get(other.record.id) ?? new Set<WaitingClaim>();
      watchers.add(claim);
      this.#watchers.set(other.record.id, watchers);
    }
  }

  remove(claim: WaitingClaim): void {
    const line = this.#lines.get(claim.llmId) ?? [];
    const at = line.indexOf(claim);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) this.#lines.delete(claim.llmId);
    for (const other of claim.others) {
      const watchers = this.#watchers.get(other.record.id);
      watchers?.delete(claim);
      if (watchers?.size === 0) this.#watchers.delete(other.record.id);
    }
  }

  /** The claims waiting in `llmId`'s line, oldest first. */
  lineOf(llmId: string): readonly WaitingClaim[] {
    return this.#lines.get(llmId) ?? [];
  }

  /** The pools' requests waiting elsewhere that may run on `llmId`, oldest first. */
  watchersOf(llmId: string): WaitingClaim[] {
    return [...(this.#watchers.get(llmId) ?? [])].sort((one, other) => one.since - other.since);
  }

  /** Whether requests here wait for `llmId`, in its line or watching it. */
  awaited(llmId: string): boolean {
    return this.#lines.has(llmId) || this.#watchers.has(llmId);
  }

  hasLine(llmId: string): boolean {
    return this.#lines.has(llmId);
  }

  isWatched(llmId: string): boolean {
    return this.#watchers.has(llmId);
  }

  /** Every LLM some claim here waits for, in its line or watching it. */
  llmIds(): Set<string> {
    return new Set([...this.#lines.keys(), ...this.#watchers.keys()]);
  }

  get count(): number {
    let count = 0;
    for (const line of this.#lines.values()) count += line.length;
    return count;
  }

  countOn(llmId: string): number {
    return this.#lines.get(llmId)?.length ?? 0;
  }

  countFor(key: string): number {
    let count = 0;
    for (const claim of this.#all()) if (claim.key === key) count += 1;
    return count;
  }

  /** When the oldest claim under `key` began to wait; undefined when none does. */
  oldestSince(key: string): number | undefined {
    let since: number | undefined;
    for (const claim of this.#all()) if (claim.key === key) since = Math.min(since ?? Infinity, claim.since);
    return since;
  }

  keys(): Set<string> {
    return new Set([...this.#all()].map((claim) => claim.key));
  }

  *#all(): Iterable<WaitingClaim> {
    for (const line of this.#lines.values()) yield* line;
  }
}
