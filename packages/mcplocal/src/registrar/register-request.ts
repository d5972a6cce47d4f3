import { providerRegisterRequestSchema, type PublishedAgent, type PublishedProvider, type ProviderRegisterRequest } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';
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

/** The entries by the name each is published under; two under one name stop the start. */
export function indexByPublishedName(entries: readonly ProviderToPublish[]): Map<string, ProviderToPublish> {
  const byName = new Map<string, ProviderToPublish>();
  for (const entry of entries) {
    const name = publishedNameOf(entry);
    if (byName.has(name)) throw new McplocalError(`two providers would be published as ${name}; give one a distinct publishName`);
    byName.set(name, entry);
  }
  return byName;
}

/**
 * Checks the payload against the wire schema when the registrar is built, so an entry mcpd would
 * refuse (a `maxWaitSeconds` past an hour, say) stops the start with its name instead of a 400.
 */
export function assertPublishable(payload: Pick<ProviderRegisterRequest, 'providers' | 'agents'>): void {
  const parsed = providerRegisterRequestSchema.safeParse(payload);
  if (parsed.success) return;
  const problems = parsed.error.issues.map((issue) => {
    const [list, index, ...field] = issue.path;
    const item = typeof list === 'string' && typeof index === 'number' ? payload[list as 'providers' | 'agents']?.[index] : undefined;
    const where = item ? `${list === 'agents' ? 'agent' : 'provider'} ${item.name}` : issue.path.map(String).join('.');
    return `${where}: ${field.length > 0 ? `${field.map(String).join('.')}: ` : ''}${issue.message}`;
  });
  throw new McplocalError(`cannot publish: ${problems.join('; ')}`);
}
