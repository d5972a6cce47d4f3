import { withDeadline, type Clock } from '@mcpctl/clock';
import type { Model, ModelList } from '@mcpctl/protocol';
import type { ProviderRegistry } from '../failover/provider-registry.js';
import type { LocalEndpointLog } from './local-endpoint-options.js';
import type { McpdClient } from './mcpd-client.js';

export interface ListModelsContext {
  registry: ProviderRegistry;
  mcpd: McpdClient | undefined;
  /** Seconds since the epoch: local providers exist since mcplocal started. */
  startedAt: number;
  timeoutMs: number;
  /** Times `timeoutMs`. */
  clock: Clock;
  log: LocalEndpointLog | undefined;
}

/**
 * `GET /v1/models`: the local providers, then what mcpd offers the user, a central name hidden
 * by a local provider of the same name left out (the local one is what `model` reaches). An
 * mcpd that cannot answer leaves the local providers alone in the list.
 */
export async function listModels(context: ListModelsContext, signal: AbortSignal): Promise<ModelList> {
  const local: Model[] = context.registry.list().map((provider) => ({ id: provider.name, object: 'model', created: context.startedAt, owned_by: 'mcplocal' }));
  let central: Model[] = [];
  const mcpd = context.mcpd;
  if (mcpd) {
    try {
      central = await withDeadline(context.clock, context.timeoutMs, { parent: signal }, (bounded) => mcpd.models(bounded));
    } catch (error) {
      if (signal.aborted) throw error;
      context.log?.warn(`/v1/models lists local providers only: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const localNames = new Set(local.map((model) => model.id));
  return { object: 'list', data: [...local, ...central.filter((model) => !localNames.has(model.id))] };
}
