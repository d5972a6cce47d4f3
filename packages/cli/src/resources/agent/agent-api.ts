import { agentViewSchema, type AgentView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';
import { asNotFound } from '../not-found.js';

export function agentPath(name?: string): string {
  return name === undefined ? '/api/v1/agents' : `/api/v1/agents/${encodeURIComponent(name)}`;
}

export function listAgents(client: ApiClient): Promise<AgentView[]> {
  return client.get(agentPath(), agentViewSchema.array());
}

/** One agent by name or id; a 404 becomes `agent not found: NAME` with a hint. */
export async function getAgent(client: ApiClient, name: string): Promise<AgentView> {
  try {
    return await client.get(agentPath(name), agentViewSchema);
  } catch (error) {
    throw asAgentNotFound(error, name);
  }
}

/** One agent, or `undefined` when mcpd does not know it (or hides it from the caller). */
export async function findAgent(client: ApiClient, name: string): Promise<AgentView | undefined> {
  try {
    return await client.get(agentPath(name), agentViewSchema);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export function asAgentNotFound(error: unknown, name: string): unknown {
  return asNotFound(error, 'agent', name, 'mcpctl get agents');
}
