import {
  agentViewSchema,
  llmViewSchema,
  poolViewSchema,
  providerSessionViewSchema,
  roleBindingViewSchema,
  threadViewSchema,
  tokenViewSchema,
  userViewSchema,
} from '@mcpctl/protocol';
import type { ApiClient } from '../api-client.js';
import type { Schema } from '../schema-check.js';

/** Lists the names (ids, for threads) of one kind of resource the caller can see. */
export type NameLister = (client: ApiClient, signal: AbortSignal) => Promise<string[]>;

function lister<T>(path: string, schema: Schema<T[]>, name: (view: T) => string): NameLister {
  return async (client, signal) => (await client.get(path, schema, { signal })).map(name);
}

/** `mcpctl __complete KIND`: the kinds whose names the completion scripts can ask for. */
export const NAME_LISTERS: ReadonlyMap<string, NameLister> = new Map([
  ['llm', lister('/api/v1/llms', llmViewSchema.array(), (view) => view.name)],
  ['pool', lister('/api/v1/pools', poolViewSchema.array(), (view) => view.name)],
  ['agent', lister('/api/v1/agents', agentViewSchema.array(), (view) => view.name)],
  ['thread', lister('/api/v1/threads', threadViewSchema.array(), (view) => view.id)],
  ['user', lister('/api/v1/users', userViewSchema.array(), (view) => view.name)],
  ['token', lister('/api/v1/tokens', tokenViewSchema.array(), (view) => view.name)],
  ['rolebinding', lister('/api/v1/rolebindings', roleBindingViewSchema.array(), (view) => view.name)],
  ['session', lister('/api/v1/provider-sessions', providerSessionViewSchema.array(), (view) => view.ref)],
]);
