import { poolViewSchema, type PoolView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';

export function listPools(client: ApiClient): Promise<PoolView[]> {
  return client.get('/api/v1/pools', poolViewSchema.array());
}

/** One pool; a 404 becomes `pool not found: NAME` with a hint. */
export async function getPool(client: ApiClient, name: string): Promise<PoolView> {
  try {
    return await client.get(`/api/v1/pools/${encodeURIComponent(name)}`, poolViewSchema);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new ApiError(404, `pool not found: ${name}`, { hint: "run 'mcpctl get pools' to list them", cause: error });
    }
    throw error;
  }
}
