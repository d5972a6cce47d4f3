import type { Clock } from '../clock.js';
import type { LlmRecord, LlmRepository } from '../repositories/llm-repository.js';
import type { SecretBox } from '../security/secret-box.js';

/** An LLM ready to be called: its row and its key in clear. */
export interface InferenceTarget {
  record: LlmRecord;
  apiKey: string | undefined;
}

interface Entry {
  target: InferenceTarget | undefined;
  fetchedAt: number;
}

/**
 * Read-through cache of LLM rows by name for the inference path, so a request does not
 * wait on the database. Writes on this replica invalidate at once; other replicas' writes
 * are seen within `ttlMs`.
 */
export class LlmCatalog {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<InferenceTarget | undefined>>();

  constructor(
    private readonly llms: LlmRepository,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  async find(name: string): Promise<InferenceTarget | undefined> {
    const entry = this.#entries.get(name);
    if (entry && this.clock.now().getTime() - entry.fetchedAt < this.ttlMs) return entry.target;
    const loading = this.#loading.get(name);
    if (loading) return loading;
    const load = this.#load(name).finally(() => this.#loading.delete(name));
    this.#loading.set(name, load);
    return load;
  }

  invalidate(): void {
    this.#entries.clear();
  }

  async #load(name: string): Promise<InferenceTarget | undefined> {
    const record = await this.llms.findByName(name);
    const target = record && {
      record,
      apiKey: record.apiKeyEncrypted ? this.secrets.open(record.apiKeyEncrypted) : undefined,
    };
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(name, { target, fetchedAt: this.clock.now().getTime() });
    return target;
  }
}
