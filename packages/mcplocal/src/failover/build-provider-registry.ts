import type { Clock } from '@mcpctl/clock';
import type { McplocalConfig } from '@mcpctl/protocol';
import { createProvider } from '../providers/create-provider.js';
import { ProviderRegistry } from './provider-registry.js';
import type { ManagedServers } from '../managed/managed-servers.js';

/**
 * Every provider of the config, published or not, under its config name, and each
 * `failoverFor` as a failover entry. Throws the ConfigError `createProvider` raises for an
 * entry it cannot build.
 */
export function buildProviderRegistry(config: McplocalConfig, env: NodeJS.ProcessEnv, clock?: Clock, servers?: ManagedServers): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const entry of config.providers) registry.register(createProvider(entry, env, clock, servers));
  for (const entry of config.providers) {
    if (entry.failoverFor !== undefined) registry.registerFailover(entry.failoverFor, entry.name);
  }
  return registry;
}
