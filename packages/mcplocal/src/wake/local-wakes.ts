import { publishedNameOf } from '../registrar/register-request.js';
import type { ProviderToPublish } from '../registrar/registrar-options.js';
import type { WakeRequest } from '../registrar/wake-handler.js';

/** The wake recipes of local providers, for callers of the local endpoint. */
export interface LocalWakes {
  /** Whether the local provider `name` has a wake recipe. */
  has(name: string): boolean;
  /** Runs its recipe and resolves once its backend serves; joins a wake of it already running. */
  wake(name: string, signal: AbortSignal): Promise<void>;
}

/** A local provider; only one with a wake recipe (`entry.wake`) is woken. */
export interface WakeableProvider {
  /** Its `name` in config.json, what a local caller asks for. */
  name: string;
  entry: ProviderToPublish;
  /** Published under `entry.publishName`: its wakes are mcpd's too. */
  published: boolean;
}

/**
 * The providers' wakes, each run by `wake` under one key: a published provider's published name,
 * the key of mcpd's wake tasks, so one wake serves both; an unpublished one's `local:NAME`, which
 * no published name can be (a name has no colon), so it never joins another provider's wake.
 */
export function localWakes(providers: readonly WakeableProvider[], wake: (request: WakeRequest, published: boolean) => Promise<unknown>): LocalWakes {
  // One given without a recipe has nothing to run: its failure stays the answer.
  const wakeable = new Map(providers.filter(({ entry }) => entry.wake !== undefined).map((provider) => [provider.name, provider]));
  return {
    has: (name) => wakeable.has(name),
    wake: async (name, signal) => {
      const provider = wakeable.get(name);
      if (!provider) throw new Error(`${name} has no wake recipe`);
      const { entry, published } = provider;
      const llmName = published ? publishedNameOf(entry) : `local:${name}`;
      // The key is not a name anyone gave: the lines and errors of an unpublished wake name the provider.
      await wake({ llmName, label: published ? llmName : name, entry, signal }, published);
    },
  };
}
