import { threadDetailViewSchema, threadViewSchema, type ThreadDetailView, type ThreadView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { asNotFound } from '../not-found.js';

export function threadPath(id?: string): string {
  return id === undefined ? '/api/v1/threads' : `/api/v1/threads/${encodeURIComponent(id)}`;
}

/** The caller's own threads: mcpd shows nobody else's. */
export function listThreads(client: ApiClient): Promise<ThreadView[]> {
  return client.get(threadPath(), threadViewSchema.array());
}

/** One thread with its messages; a 404 becomes `thread not found: ID` with a hint. */
export async function getThread(client: ApiClient, id: string): Promise<ThreadDetailView> {
  try {
    return await client.get(threadPath(id), threadDetailViewSchema);
  } catch (error) {
    throw asThreadNotFound(error, id);
  }
}

export function asThreadNotFound(error: unknown, id: string): unknown {
  return asNotFound(error, 'thread', id, 'mcpctl get threads');
}
