import type { LlmView } from '@mcpctl/protocol';
import type { LlmRecord } from '../repositories/llm-repository.js';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** The public face of an LLM row: never the key, only whether one is set. */
export function toLlmView(record: LlmRecord): LlmView {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    type: record.type,
    model: record.model,
    url: record.kind === 'public' ? record.url : null,
    tier: record.tier,
    description: record.description,
    poolName: record.poolName,
    visibility: record.visibility,
    ownerId: record.ownerId,
    owner: record.ownerName,
    status: record.status,
    hasApiKey: record.apiKeyEncrypted !== null,
    maxConcurrent: record.maxConcurrent,
    wakeRecipe: record.wakeRecipe,
    lastWakeAt: iso(record.lastWakeAt),
    lastWakeMs: record.lastWakeMs,
    lastHeartbeatAt: iso(record.lastHeartbeatAt),
    inactiveSince: iso(record.inactiveSince),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
