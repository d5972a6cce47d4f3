import type { Clock } from '@mcpctl/clock';
import type { Database } from '@mcpctl/db';
import { AgentRepository } from '../repositories/agent-repository.js';
import { LlmRepository } from '../repositories/llm-repository.js';
import { ProviderSessionRepository } from '../repositories/provider-session-repository.js';
import { TokenRepository } from '../repositories/token-repository.js';
import { runIfFree } from '../repositories/singleton-lock.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';

export interface LifecycleDurations {
  /** No heartbeat for this long: rows go inactive (SPEC: 90 s). */
  heartbeatTimeoutMs: number;
  /** Inactive for this long: rows are deleted (SPEC: 4 h). */
  inactiveRetentionMs: number;
}

/**
 * How long rows published by a session whose connection nobody holds stay as registered: time
 * enough for the publisher to open its stream after registering. That takes milliseconds, a few
 * seconds when a proxy refuses the WebSocket and mcplocal turns to SSE + POST, and up to 30 s
 * when a proxy swallows the upgrade in silence (mcplocal's watchdog) before it does. A row is
 * `active` or `hibernating` only while its session's connection is open (SPEC §12 §3), so past
 * this they go inactive, heartbeats or not, until the stream opens.
 */
export const UNHELD_GRACE_MS = 45_000;

/**
 * How long an expired token stays listed (`get tokens` marks it expired, and its name stays
 * taken) before the sweep deletes it: long enough to notice and renew it, short enough that a
 * token minted per CI run does not pile up against the per-user cap.
 */
export const EXPIRED_TOKEN_RETENTION_DAYS = 7;
const EXPIRED_TOKEN_RETENTION_MS = EXPIRED_TOKEN_RETENTION_DAYS * 24 * 60 * 60 * 1000;

/** The control streams open on this process, as the sweep needs them. */
export interface SessionConnections {
  connectedSessionIds(): string[];
  /** Ends the session's stream; its tasks fail and its rows go inactive. */
  disconnect(sessionId: string): Promise<void>;
}

export interface GcReport {
  /** Rows gone inactive: their publisher silent past the heartbeat timeout, or its stream never opened. */
  markedInactive: number;
  /** Streams open here whose session fell silent: ended, their callers released. */
  disconnected: number;
  deleted: number;
  sessionsDeleted: number;
  /** Tokens deleted EXPIRED_TOKEN_RETENTION_DAYS after they expired. */
  tokensDeleted: number;
  /** False when another replica was sweeping the rows at that moment (this one only looked at its own streams). */
  swept: boolean;
}

/**
 * The periodic sweep of SPEC §3. Idempotent: a second run at the same instant changes nothing.
 * Among replicas, the sweep of rows runs on one at a time (an advisory lock); each replica still
 * ends its own half-open streams.
 */
export class LifecycleGc {
  constructor(
    private readonly db: Database,
    private readonly catalog: LlmCatalog,
    private readonly connections: SessionConnections,
    private readonly clock: Clock,
    private readonly durations: LifecycleDurations,
    /** Among replicas: a session is held by whichever replica its row names, not only by this process. */
    private readonly options: { clustered: boolean } = { clustered: false },
  ) {}

  async runOnce(): Promise<GcReport> {
    const now = this.clock.now();
    const silentCutoff = new Date(now.getTime() - this.durations.heartbeatTimeoutMs);
    const retentionCutoff = new Date(now.getTime() - this.durations.inactiveRetentionMs);
    const unheldCutoff = new Date(now.getTime() - UNHELD_GRACE_MS);
    // Read before the sweep: a connection opening meanwhile revives its rows after it.
    const heldHere = this.connections.connectedSessionIds();
    const swept = await runIfFree(this.db, 'lifecycleSweep', async (tx) => {
      const llms = new LlmRepository(tx);
      const agents = new AgentRepository(tx);
      const sessions = new ProviderSessionRepository(tx);
      const silent = await llms.markSilentInactive(silentCutoff, now);
      await agents.markInactiveWhereSessionSilent(await sessions.listSilentSince(silentCutoff), now);
      const unheldRows = await llms.markUnheldInactive(heldHere, unheldCutoff, now, this.options);
      const unheldAgents = await agents.markUnheldInactive(heldHere, unheldCutoff, now, this.options);
      const deleted = await llms.deleteInactiveSince(retentionCutoff);
      await agents.deleteInactiveSince(retentionCutoff);
      const sessionsDeleted = await sessions.deleteEmptySilentSince(retentionCutoff);
      const tokensDeleted = await new TokenRepository(tx).deleteExpiredBefore(new Date(now.getTime() - EXPIRED_TOKEN_RETENTION_MS));
      return { markedInactive: silent + unheldRows, agentsMarked: unheldAgents, deleted, sessionsDeleted, tokensDeleted };
    });
    // A stream that stays open while its heartbeats stopped is half-open: its callers would wait
    // for answers that never come, so it ends like a closed one. After the sweep's transaction:
    // ending a stream writes the rows that transaction may hold.
    const silentHere = await new ProviderSessionRepository(this.db).listSilentAmong(this.connections.connectedSessionIds(), silentCutoff);
    await Promise.all(silentHere.map((sessionId) => this.connections.disconnect(sessionId)));
    const { markedInactive = 0, agentsMarked = 0, deleted = 0, sessionsDeleted = 0, tokensDeleted = 0 } = swept ?? {};
    if (markedInactive + agentsMarked + deleted > 0) this.catalog.invalidate();
    return { markedInactive, disconnected: silentHere.length, deleted, sessionsDeleted, tokensDeleted, swept: swept !== undefined };
  }
}
