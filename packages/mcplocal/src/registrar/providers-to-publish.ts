import type { Clock } from '@mcpctl/clock';
import type { LlmType, McplocalConfig, ProviderEntry } from '@mcpctl/protocol';
import { publishedName, type WorkstationIdentity } from '../config/published-name.js';
import { createProvider, resolveApiKey } from '../providers/create-provider.js';
import type { ProviderToPublish } from './registrar-options.js';
import type { ManagedServers } from '../managed/managed-servers.js';
import { servedModelOf } from '../managed/managed-command.js';
import { ManagedProvider } from '../managed/managed-provider.js';

/**
 * The config's providers marked `"publish": true`, built and named as mcpd will see them.
 * `identity` fills in `publishNameSuffix: "hostname" | "user"`. Throws the ConfigError `createProvider` raises for an entry it cannot build.
 */
export function providersToPublish(
  config: McplocalConfig,
  env: NodeJS.ProcessEnv,
  identity: WorkstationIdentity,
  clock?: Clock,
  servers?: ManagedServers,
): ProviderToPublish[] {
  return config.providers.filter((entry) => entry.publish).map((entry) => providerEntry(entry, config, env, identity, clock, servers));
}

/** One provider of the config, built and named as mcpd would see it were it published. */
export function providerEntry(
  entry: ProviderEntry,
  config: McplocalConfig,
  env: NodeJS.ProcessEnv,
  identity: WorkstationIdentity,
  clock?: Clock,
  servers?: ManagedServers,
): ProviderToPublish {
  const provider = createProvider(entry, env, clock, servers);
  return {
    provider,
    managed: provider instanceof ManagedProvider ? provider.server : undefined,
    url: entry.url,
    apiKey: resolveApiKey(entry, env),
    type: wireType(entry),
    // A managed server's model file stays here: mcpd learns the name it serves under.
    model: servedModelOf(entry),
    tier: entry.tier,
    description: entry.description,
    poolName: entry.poolName,
    publishName: publishedName(entry, config, identity),
    visibility: entry.visibility,
    wake: entry.wake,
    maxConcurrent: entry.maxConcurrent,
  };
}

/** A managed server is one mcplocal runs itself; it speaks OpenAI's dialect. */
function wireType(entry: ProviderEntry): LlmType {
  return entry.type === 'managed' ? 'openai' : entry.type;
}
