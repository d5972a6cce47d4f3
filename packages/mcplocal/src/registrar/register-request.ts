import type { PublishedAgent, PublishedProvider, ProviderRegisterRequest } from '@mcpctl/protocol';
import type { ProviderToPublish } from './registrar-options.js';

export type InitialStatus = NonNullable<PublishedProvider['initialStatus']>;

/** The name a provider's row gets in mcpd, and the one its tasks arrive under. */
export function publishedNameOf(entry: ProviderToPublish): string {
  return entry.publishName ?? entry.provider.name;
}

/**
 * The status a row starts in. A provider with a wake recipe whose backend does not answer goes up
 * `hibernating`, so mcpd wakes it before the first request instead of relaying that request into a
 * failure. One without a recipe is `active` even when its backend is down: mcpd could not wake it,
 * and a request failing with the backend's own error says more than a wake that cannot happen.
 */
export async function initialStatusOf(entry: ProviderToPublish, signal?: AbortSignal): Promise<InitialStatus> {
  if (entry.managed) return entry.managed.serving ? 'active' : 'hibernating';
  if (entry.wake === undefined) return 'active';
  return (await entry.provider.isAvailable(signal ? { signal } : {})) ? 'active' : 'hibernating';
}

/**
 * The register payload without the session id: it declares the session's whole published set.
 * `statusOf` gives each entry's initial status (default `active`).
 */
export function buildRegisterRequest(
  entries: readonly ProviderToPublish[],
  agents: readonly PublishedAgent[] = [],
  statusOf: (entry: ProviderToPublish) => InitialStatus = () => 'active',
): Pick<ProviderRegisterRequest, 'providers' | 'agents'> {
  const providers = entries.map((entry): PublishedProvider => {
    const provider: PublishedProvider = {
      name: publishedNameOf(entry),
      type: entry.type,
      model: entry.model,
      initialStatus: statusOf(entry),
    };
    if (entry.tier !== undefined) provider.tier = entry.tier;
    if (entry.description !== undefined) provider.description = entry.description;
    if (entry.poolName !== undefined) provider.poolName = entry.poolName;
    if (entry.visibility !== undefined) provider.visibility = entry.visibility;
    if (entry.maxConcurrent !== undefined) provider.maxConcurrent = entry.maxConcurrent;
    // mcpd holds callers for the length of a wake; servers that predate wakes ignore the field.
    if (entry.wake !== undefined) provider.wakeRecipe = { kind: entry.wake.type, maxWaitSeconds: entry.wake.maxWaitSeconds };
    // A managed server wakes by starting, as a command would start it: mcpd holds callers as long as a start may take.
    else if (entry.managed) provider.wakeRecipe = { kind: 'command', maxWaitSeconds: Math.ceil(entry.managed.startupTimeoutMs / 1000) };
    return provider;
  });
  return agents.length > 0 ? { providers, agents: [...agents] } : { providers };
}
