import type { Clock } from '@mcpctl/clock';
import type { LlmRecord, LlmRepository } from '../repositories/llm-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import { realUrl } from '../security/stored-url.js';

/** An LLM ready to be called: its row and its key in clear. */
export interface InferenceTarget {
  record: LlmRecord;
  apiKey: string | undefined;
}

/** Where a change to LLM rows was made: on this replica, or on another one that said so. */
export type ChangeOrigin = 'here' | 'elsewhere';

interface Entry<T> {
  value: T;
  fetchedAt: number;
}

/**
 * Read-through cache of LLM rows for the inference path — by name and by pool — so a request
 * does not wait on the database. Writes on this replica invalidate at once; other replicas'
 * writes are seen within `ttlMs`.
 */
export class LlmCatalog {
  readonly #byName = new Map<string, Entry<InferenceTarget | undefined>>();
  readonly #byPool = new Map<string, Entry<InferenceTarget[]>>();
  readonly #loading = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<(origin: ChangeOrigin) => void>();
  /** Bumped by every invalidation, so a load that raced one is not cached. */
  #generation = 0;

  constructor(
    private readonly llms: LlmRepository,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  find(name: string): Promise<InferenceTarget | undefined> {
    return this.#read(this.#byName, name, `llm:${name}`, async () => {
      const record = await this.llms.findByName(name);
      return record && this.#target(record);
    });
  }

  /** The members of a pool, every status included. */
  findPool(poolName: string): Promise<InferenceTarget[]> {
    return this.#read(this.#byPool, poolName, `pool:${poolName}`, async () => {
      const records = await this.llms.listByPool(poolName);
      return records.map((record) => this.#target(record));
    });
  }

  /**
   * Something changed: forget everything and tell whoever waits on a status change. `origin`
   * says whether the change was made here or on another replica (which already told the rest).
   */
  invalidate(origin: ChangeOrigin = 'here'): void {
    this.#generation += 1;
    this.#byName.clear();
    this.#byPool.clear();
    this.#loading.clear();
    for (const listener of this.#listeners) listener(origin);
  }

  /** Called after every invalidation (an LLM woke, a publisher came back, a row was edited). */
  onChange(listener: (origin: ChangeOrigin) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #read<T>(cache: Map<string, Entry<T>>, key: string, loadingKey: string, load: () => Promise<T>): Promise<T> {
    const entry = cache.get(key);
    if (entry && this.clock.now().getTime() - entry.fetchedAt < this.ttlMs) return entry.value;
    const pending = this.#loading.get(loadingKey) as Promise<T> | undefined;
    if (pending) return pending;
    const generation = this.#generation;
    const loading = load()
      .then((value) => {
        if (generation !== this.#generation) return value;
        if (cache.size > 10_000) cache.clear();
        cache.set(key, { value, fetchedAt: this.clock.now().getTime() });
        return value;
      })
      .finally(() => {
        if (this.#loading.get(loadingKey) === loading) this.#loading.delete(loadingKey);
      });
    this.#loading.set(loadingKey, loading);
    return loading;
  }

  /** The row as it is called: its URL opened when sealed, its key in clear. */
  #target(record: LlmRecord): InferenceTarget {
    const called = record.urlSealed === null ? record : { ...record, url: realUrl(record, this.secrets) };
    return { record: called, apiKey: record.apiKeyEncrypted ? this.secrets.open(record.apiKeyEncrypted) : undefined };
  }
}
