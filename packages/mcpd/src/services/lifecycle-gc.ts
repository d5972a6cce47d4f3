import type { Clock } from '@mcpctl/clock';
import type { AgentRepository } from '../repositories/agent-repository.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import type { ProviderSessionRepository } from '../repositories/provider-session-repository.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';

export interface LifecycleDurations {
  /** No heartbeat for this long: rows go inactive (SPEC: 90 s). */
  heartbeatTimeoutMs: number;
  /** Inactive for this long: rows are deleted (SPEC: 4 h). */
  inactiveRetentionMs: number;
}

/** The control streams open on this process, as the sweep needs them. */
export interface SessionConnections {
  connectedSessionIds(): string[];
  /** Ends the session's stream; its tasks fail and its rows go inactive. */
  disconnect(sessionId: string): Promise<void>;
}

export interface GcReport {
  markedInactive: number;
  /** Streams open here whose session fell silent: ended, their callers released. */
  disconnected: number;
  deleted: number;
  sessionsDeleted: number;
}

/** The periodic sweep of SPEC §3. Idempotent: a second run at the same instant changes nothing. */
export class LifecycleGc {
  constructor(
    private readonly llms: LlmRepository,
    private readonly sessions: ProviderSessionRepository,
    private readonly agents: AgentRepository,
    private readonly catalog: LlmCatalog,
    private readonly connections: SessionConnections,
    private readonly clock: Clock,
    private readonly durations: LifecycleDurations,
  ) {}

  async runOnce(): Promise<GcReport> {
    const now = this.clock.now();
    const silentCutoff = new Date(now.getTime() - this.durations.heartbeatTimeoutMs);
    const markedInactive = await this.llms.markSilentInactive(silentCutoff, now);
    await this.agents.markInactiveWhereSessionSilent(await this.sessions.listSilentSince(silentCutoff), now);
    // A stream that stays open while its heartbeats stopped is half-open: its callers would wait
    // for answers that never come, so it ends like a closed one.
    const silentHere = await this.sessions.listSilentAmong(this.connections.connectedSessionIds(), silentCutoff);
    await Promise.all(silentHere.map((sessionId) => this.connections.disconnect(sessionId)));
    const retentionCutoff = new Date(now.getTime() - this.durations.inactiveRetentionMs);
    const deleted = await this.llms.deleteInactiveSince(retentionCutoff);
    await this.agents.deleteInactiveSince(retentionCutoff);
    const sessionsDeleted = await this.sessions.deleteEmptySilentSince(retentionCutoff);
    if (markedInactive + deleted > 0) this.catalog.invalidate();
    return { markedInactive, disconnected: silentHere.length, deleted, sessionsDeleted };
  }
}
