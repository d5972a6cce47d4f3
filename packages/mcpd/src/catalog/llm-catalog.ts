import type { Clock } from '@mcpctl/clock';
import type { LlmRecord, LlmRepository } from '../repositories/llm-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import { realUrl } from '../security/stored-url.js';
import { ReadThroughCache } from '../read-through-cache.js';

/** An LLM ready to be called: its row and its key in clear. */
export interface InferenceTarget {
  record: LlmRecord;
  apiKey: string | undefined;
}

/** Where a change to LLM rows was made: on this replica, or on another one that said so. */
export type ChangeOrigin = 'here' | 'elsewhere';

/**
 * Read-through cache of LLM rows for the inference path — by name and by pool — so a request
 * does not wait on the database. Writes on this replica invalidate at once; other replicas'
 * writes are seen within `ttlMs`.
 */
export class LlmCatalog {
  readonly #byName: ReadThroughCache<InferenceTarget | undefined>;
  readonly #byPool: ReadThroughCache<InferenceTarget[]>;
  readonly #listeners = new Set<(origin: ChangeOrigin) => void>();

  constructor(
    private readonly llms: LlmRepository,
    private readonly secrets: SecretBox,
    clock: Clock,
    ttlMs: number,
  ) {
    this.#byName = new ReadThroughCache(clock, ttlMs);
    this.#byPool = new ReadThroughCache(clock, ttlMs);
  }

  find(name: string): Promise<InferenceTarget | undefined> {
    return this.#byName.read(name, async () => {
      const record = await this.llms.findByName(name);
      return record && this.#target(record);
    });
  }

  /** The members of a pool, every status included. */
  findPool(poolName: string): Promise<InferenceTarget[]> {
    return this.#byPool.read(poolName, async () => {
      const records = await this.llms.listByPool(poolName);
      return records.map((record) => this.#target(record));
    });
  }

  /**
   * Something changed: forget everything and tell whoever waits on a status change. `origin`
   * says whether the change was made here or on another replica (which already told the rest).
   */
  invalidate(origin: ChangeOrigin = 'here'): void {
    this.#byName.clear();
    this.#byPool.clear();
    for (const listener of this.#listeners) listener(origin);
  }

  /** Called after every invalidation (an LLM woke, a publisher came back, a row was edited). */
  onChange(listener: (origin: ChangeOrigin) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The row as it is called: its URL opened when sealed, its key in clear. */
  #target(record: LlmRecord): InferenceTarget {
    const called = record.urlSealed === null ? record : { ...record, url: realUrl(record, this.secrets) };
    return { record: called, apiKey: record.apiKeyEncrypted ? this.secrets.open(record.apiKeyEncrypted) : undefined };
  }
}
