import type { PublishedAgent, PublishedProvider, ProviderRegisterRequest } from '@mcpctl/protocol';
import type { ProviderToPublish } from './registrar-options.js';

/** The name a provider's row gets in mcpd, and the one its tasks arrive under. */
export function publishedNameOf(entry: ProviderToPublish): string {
  return entry.publishName ?? entry.provider.name;
}

/**
 * The status a row starts in. Every provider this mcplocal publishes serves at once; a backend
 * brought up by a wake recipe will start as `hibernating` when it is not reachable yet.
 */
export function initialStatusOf(_entry: ProviderToPublish): 'active' | 'hibernating' {
  return 'active';
}

/** The register payload without the session id: it declares the session's whole published set. */
export function buildRegisterRequest(
  entries: readonly ProviderToPublish[],
  agents: readonly PublishedAgent[] = [],
): Pick<ProviderRegisterRequest, 'providers' | 'agents'> {
  const providers = entries.map((entry): PublishedProvider => {
    const provider: PublishedProvider = {
      name: publishedNameOf(entry),
      type: entry.type,
      model: entry.model,
      initialStatus: initialStatusOf(entry),
    };
    if (entry.tier !== undefined) provider.tier = entry.tier;
    if (entry.description !== undefined) provider.description = entry.description;
    if (entry.poolName !== undefined) provider.poolName = entry.poolName;
    if (entry.visibility !== undefined) provider.visibility = entry.visibility;
    if (entry.maxConcurrent !== undefined) provider.maxConcurrent = entry.maxConcurrent;
    return provider;
  });
  return agents.length > 0 ? { providers, agents: [...agents] } : { providers };
}
