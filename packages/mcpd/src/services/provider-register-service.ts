import { withTransaction, type Database, type LlmRow, type NewLlmRow } from '@mcpctl/db';
import type { ProviderRegisterRequest, PublishedProvider } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { badRequest, conflict } from '../errors.js';
import { LlmRepository } from '../repositories/llm-repository.js';
import { ProviderSessionRepository } from '../repositories/provider-session-repository.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import { DEFAULT_PER_USER_CAPS, assertWithinCap, type PerUserCaps } from '../security/per-user-caps.js';
import { generateId } from '../security/token.js';
import { AgentRepository } from '../repositories/agent-repository.js';
import { assertMayJoinPool } from '../rbac/assert-may-join-pool.js';
import { assertMayPublish } from '../rbac/assert-may-publish.js';
import { NamespaceRepository } from '../repositories/namespace-repository.js';
import { assertOneNamespace, nameTaken, publishedByAnotherUser } from './namespace-rules.js';
import { canSee, type Principal } from '../rbac/principal.js';
import { publishAgents } from './publish-agents.js';

export interface RegisterOutcome {
  providerSessionId: string;
  /** Names of the rows the session now publishes. */
  names: string[];
  agentNames: string[];
}

/**
 * SPEC §3's register rules. The payload declares the session's whole published set and is
 * applied in one transaction: one conflict rejects the call and changes nothing. The
 * transaction holds the namespace lock and checks the shared namespace after its writes.
 */
export class ProviderRegisterService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** Told after a register committed, so cached name resolution sees the new rows. */
    private readonly changed: () => void = () => undefined,
    private readonly caps: Pick<PerUserCaps, 'providerSessions' | 'agents' | 'llms'> = DEFAULT_PER_USER_CAPS,
  ) {}

  async register(principal: Principal, payload: ProviderRegisterRequest): Promise<RegisterOutcome> {
    assertDistinctNames(payload.providers, 'providers');
    assertDistinctNames(payload.agents ?? [], 'agents');
    assertMayPublish(principal, payload.providers);
    const now = this.clock.now();
    try {
      const outcome = await withTransaction(this.db, async (tx) => {
        await new NamespaceRepository(tx).lock();
        const sessions = new ProviderSessionRepository(tx);
        const llms = new LlmRepository(tx);
        const sessionId = await this.#session(sessions, principal, payload.providerSessionId, now);
        const existing = new Map((await llms.findRowsByNames(payload.providers.map((p) => p.name))).map((row) => [row.name, row]));
        for (const provider of payload.providers) {
          const row = existing.get(provider.name);
          // A kept row keeps its visibility, and with it whether the pool grant is needed.
          const visibility = row ? row.visibility : (provider.visibility ?? 'private');
          assertMayJoinPool(principal, { kind: 'virtual', visibility, poolName: provider.poolName }, `provider ${provider.name}`);
          if (!row) {
            await llms.insert(newVirtualRow(provider, principal, sessionId, now));
          } else {
            await llms.update(row.id, this.#claim(row, provider, principal, sessionId, now));
          }
        }
        const published = new Set(payload.providers.map((provider) => provider.name));
        const dropped = (await llms.listBySession(sessionId)).filter((row) => !published.has(row.name));
        await llms.deleteByIds(dropped.map((row) => row.id));
        const agentNames = await publishAgents(tx, principal, sessionId, payload.agents ?? [], now);
        await assertOneNamespace(tx, principal, { llms: published, pools: payload.providers.map((provider) => provider.poolName), agents: agentNames });
        // Counted inside the transaction, after the payload applied: a refusal rolls all of it back.
        const agentsHeld = await new AgentRepository(tx).countOwnedBy(principal.userId);
        assertWithinCap(agentsHeld, this.caps.agents, 'agents', 'publish fewer, or delete some first');
        assertWithinCap(await llms.countOwnedBy(principal.userId), this.caps.llms, 'LLMs', 'publish fewer, or delete some first');
        return { providerSessionId: sessionId, names: [...published], agentNames };
      });
      this.changed();
      return outcome;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('another session published one of these names at the same moment; retry');
      throw error;
    }
  }

  /** A presented id is reused only when it exists and belongs to the caller. */
  async #session(sessions: ProviderSessionRepository, principal: Principal, presented: string | undefined, now: Date): Promise<string> {
    if (presented) {
      const session = await sessions.findById(presented);
      if (session && session.ownerId === principal.userId) {
        await sessions.touch(session.id, now);
        return session.id;
      }
    }
    const held = await sessions.countOwnedBy(principal.userId);
    assertWithinCap(
      held + 1,
      this.caps.providerSessions,
      'provider sessions',
      'register again with a session id you already have (mcplocal keeps it in MCPCTL_HOME/provider-session); unused sessions are removed after the inactive retention',
    );
    const id = generateId('ps_');
    await sessions.insert({ id, ownerId: principal.userId, lastHeartbeatAt: now, createdAt: now });
    return id;
  }

  #claim(row: LlmRow, provider: PublishedProvider, principal: Principal, sessionId: string, now: Date): Partial<NewLlmRow> {
    // What holds a name the publisher cannot see stays unsaid (SPEC §12).
    const visible = canSee(principal, row);
    if (row.kind === 'public') throw conflict(visible ? `Cannot publish over public LLM: ${row.name}` : nameTaken(row.name));
    if (row.providerSessionId !== sessionId) {
      // Another user's name is theirs, online or not: the way out is another name, not a wait.
      if (row.ownerId !== principal.userId && !principal.admin) throw conflict(visible ? publishedByAnotherUser(`LLM ${row.name}`) : nameTaken(row.name));
      if (row.status !== 'inactive') throw conflict(visible ? `LLM ${row.name} is published by another session that is still active` : nameTaken(row.name));
    }
    // Visibility is kept: the owner may have changed it, and a reconnect must not undo that.
    return {
      ...publishedFields(provider, now),
      ownerId: row.providerSessionId === sessionId ? row.ownerId : principal.userId,
      providerSessionId: sessionId,
    };
  }
}

function assertDistinctNames(entries: Array<{ name: string }>, field: string): void {
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) throw badRequest(`invalid request body: ${field}: the name ${name} appears twice`);
    seen.add(name);
  }
}

function publishedFields(provider: PublishedProvider, now: Date) {
  return {
    type: provider.type,
    model: provider.model,
    tier: provider.tier ?? 'fast',
    description: provider.description ?? null,
    poolName: provider.poolName ?? null,
    maxConcurrent: provider.maxConcurrent ?? null,
    wakeRecipe: provider.wakeRecipe?.kind ?? null,
    wakeMaxWaitSeconds: provider.wakeRecipe?.maxWaitSeconds ?? null,
    status: provider.initialStatus ?? 'active',
    lastHeartbeatAt: now,
    inactiveSince: null,
    updatedAt: now,
  } satisfies Partial<NewLlmRow>;
}

function newVirtualRow(provider: PublishedProvider, principal: Principal, sessionId: string, now: Date): NewLlmRow {
  return {
    id: generateId('llm_'),
    name: provider.name,
    kind: 'virtual',
    url: null,
    apiKeyEncrypted: null,
    visibility: provider.visibility ?? 'private',
    ownerId: principal.userId,
    providerSessionId: sessionId,
    createdAt: now,
    ...publishedFields(provider, now),
  };
}
