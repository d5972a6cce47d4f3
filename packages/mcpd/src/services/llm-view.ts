import type { LlmView } from '@mcpctl/protocol';
import { createHash } from 'node:crypto';
import type { LlmRecord } from '../repositories/llm-repository.js';
import { maskUrl } from '../security/mask-url.js';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** The public face of an LLM row: never the key, only whether one is set. */
/** Whether a session's control stream is open here; views use it, the relay too. */
export type SessionConnected = (sessionId: string) => boolean;

/** A reference to a session that identifies it in `describe` without revealing the secret id. */
export function sessionRef(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 12);
}

function sessionView(sessionId: string, connected: SessionConnected): NonNullable<LlmView['providerSession']> {
  const open = connected(sessionId);
  // SSE + POST is the only transport mcpd serves so far.
  return { ref: sessionRef(sessionId), connected: open, transport: open ? 'sse' : null };
}

export function toLlmView(record: LlmRecord, connected: SessionConnected = () => false): LlmView {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    type: record.type,
    model: record.model,
    // Credentials in a URL are as secret as the key: masked for everyone, owner and admins too.
    url: record.kind === 'public' && record.url !== null ? maskUrl(record.url) : null,
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
    providerSession: record.providerSessionId ? sessionView(record.providerSessionId, connected) : null,
    lastHeartbeatAt: iso(record.lastHeartbeatAt),
    inactiveSince: iso(record.inactiveSince),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
