import type { LlmView, ProviderTransport } from '@mcpctl/protocol';
import { createHash } from 'node:crypto';
import type { LlmRecord } from '../repositories/llm-repository.js';
import { maskUrl } from '../security/mask-url.js';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** How a session's control connection travels while one is open; undefined while none is. */
export type SessionTransport = (sessionId: string) => ProviderTransport | undefined;

/**
 * Reads the transports of these sessions at once (a connection here, or, among replicas, one
 * another replica holds) and answers a lookup for them.
 */
export type SessionTransports = (sessionIds: readonly string[]) => Promise<SessionTransport>;

/** A reference to a session that identifies it in `describe` without revealing the secret id. */
export function sessionRef(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 12);
}

function sessionView(sessionId: string, transportOf: SessionTransport): NonNullable<LlmView['providerSession']> {
  const transport = transportOf(sessionId) ?? null;
  return { ref: sessionRef(sessionId), connected: transport !== null, transport };
}

/** The public face of an LLM row: never the key, only whether one is set. */
export function toLlmView(record: LlmRecord, transportOf: SessionTransport = () => undefined): LlmView {
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
    providerSession: record.providerSessionId ? sessionView(record.providerSessionId, transportOf) : null,
    lastHeartbeatAt: iso(record.lastHeartbeatAt),
    inactiveSince: iso(record.inactiveSince),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
