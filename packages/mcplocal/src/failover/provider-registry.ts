import { McplocalError } from '../errors.js';
import type { LlmProvider } from '../providers/llm-provider.js';

/** One central LLM and the local provider that may stand in for it. */
export interface FailoverEntry {
  centralLlmName: string;
  localProviderName: string;
}

/**
 * The workstation's local providers by name, and which of them stands in for which central
 * LLM. The local endpoint and the failover router share one registry, so a provider removed
 * here stops serving and stops standing in at the same moment.
 */
export class ProviderRegistry {
  private readonly providers = new Map<string, LlmProvider>();
  /** Central LLM name → local provider name, in the order they were registered. */
  private readonly failovers = new Map<string, string>();

  /** Adds a provider under its `name`; a provider already registered under that name is replaced. */
  register(provider: LlmProvider): void {
    this.providers.set(provider.name, provider);
  }

  /**
   * Removes the provider and every failover entry pointing at it: a stand-in that no longer
   * exists must not be found by the router. Answers whether the provider was registered.
   */
  unregister(name: string): boolean {
    if (!this.providers.delete(name)) return false;
    for (const [centralName, localName] of this.failovers) {
      if (localName === name) this.failovers.delete(centralName);
    }
    return true;
  }

  get(name: string): LlmProvider | undefined {
    return this.providers.get(name);
  }

  /** Every registered provider, in registration order. */
  list(): LlmProvider[] {
    return [...this.providers.values()];
  }

  /**
   * Lets the local provider `localName` stand in for the central LLM `centralName`, replacing an
   * earlier stand-in for that name. Throws when `localName` is not registered: a failover
   * entry must always resolve to a provider.
   */
  registerFailover(centralName: string, localName: string): void {
    if (!this.providers.has(localName)) {
      throw new McplocalError(`cannot stand in for "${centralName}": local provider "${localName}" is not registered`);
    }
    this.failovers.set(centralName, localName);
  }

  /** The local provider standing in for `centralName`, or null when there is none. */
  getFailoverFor(centralName: string): LlmProvider | null {
    const localName = this.failovers.get(centralName);
    return localName === undefined ? null : (this.providers.get(localName) ?? null);
  }

  /** Every failover entry, in the order they were registered. */
  listFailovers(): FailoverEntry[] {
    return [...this.failovers].map(([centralLlmName, localProviderName]) => ({ centralLlmName, localProviderName }));
  }
}
