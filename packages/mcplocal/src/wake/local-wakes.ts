import type { McplocalConfig } from '@mcpctl/protocol';
import type { ProviderToPublish } from '../registrar/registrar-options.js';
import type { WakeHandler } from '../registrar/wake-handler.js';

/** The wake recipes of local providers, for callers of the local endpoint. */
export interface LocalWakes {
  /** Whether the local provider `name` has a wake recipe. */
  has(name: string): boolean;
  /** Runs its recipe and resolves once its backend serves; joins a wake of it already running. */
  wake(name: string, signal: AbortSignal): Promise<void>;
}

/**
 * Every provider of the config that has a wake recipe, published or not, woken by `handler` (the
 * registrar's own, so a wake mcpd asked for and one a local caller needs run the recipe once).
 * A published provider is woken under its published name, the key mcpd's wakes run under.
 */
export function localWakes(config: McplocalConfig, entryOf: (name: string) => ProviderToPublish | undefined, handler: WakeHandler): LocalWakes {
  const wakeable = new Map<string, ProviderToPublish>();
  for (const { name, wake } of config.providers) {
    const entry = wake ? entryOf(name) : undefined;
    if (entry?.wake) wakeable.set(name, entry);
  }
  return {
    has: (name) => wakeable.has(name),
    wake: async (name, signal) => {
      const entry = wakeable.get(name);
      if (!entry) throw new Error(`${name} has no wake recipe`);
      await handler.wake({ llmName: entry.publishName ?? entry.provider.name, entry, signal });
    },
  };
}
