import type { Clock } from '@mcpctl/clock';
import type { ReconnectGrace } from '../dispatch/reconnect-grace.js';
import type { AgentRepository } from '../repositories/agent-repository.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import type { ProviderSessionRepository } from '../repositories/provider-session-repository.js';
import type { ReplicaRepository } from '../repositories/replica-repository.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';

export interface StartupSweepReport {
  /** Virtual rows that read active or hibernating without a stream here, now inactive. */
  markedInactive: number;
  /** Sessions heard from within the heartbeat timeout before the start: the grace waits for them. */
  expected: number;
}

/**
 * The first step of a start, before mcpd listens. A row is `active` or `hibernating` only while
 * its session has an open stream on a live process (SPEC §12), and a process that just started
 * has none, so every virtual row and agent of a session without a stream here goes inactive.
 * Sessions heard from within the heartbeat timeout before the start are expected back: requests
 * for their rows wait out the reconnect grace instead of failing.
 */
export class StartupSweep {
  constructor(
    private readonly llms: LlmRepository,
    private readonly agents: AgentRepository,
    private readonly sessions: ProviderSessionRepository,
    private readonly grace: ReconnectGrace,
    private readonly catalog: LlmCatalog,
    private readonly clock: Clock,
    private readonly heartbeatTimeoutMs: number,
    /** The replicas' liveness rows, and how long a replica counts as alive after its last beat. */
    private readonly replicas: { repository: ReplicaRepository; staleMs: number },
  ) {}

  /**
   * `clustered`: other replicas may hold sessions' connections, and rows are theirs; the rows of
   * replicas that died are swept by `ReplicaPresence` instead. Run after this replica's first
   * beat among replicas, and after an mcpd alone took its lone-process lock: of two starting
   * together, the later to look sees the other.
   */
  async run(connectedSessionIds: string[], clustered = false): Promise<StartupSweepReport> {
    const now = this.clock.now();
    let markedInactive = 0;
    if (clustered) {
      // An mcpd without NATS holds every stream it has for its own and cannot hear of those held here.
      const refusal = await this.replicas.repository.loneProcessRefusal();
      if (refusal) throw refusal;
    } else {
      // Alone, this process takes every stream for its own: with replicas alive on the same
      // database it would mark their publishers' rows inactive and answer their callers that the
      // publishers are offline. (Another mcpd alone is kept out by the lone-process lock.)
      const alive = await this.replicas.repository.aliveIds(this.replicas.staleMs);
      if (alive.length > 0) {
        throw new Error(
          `${alive.length} other mcpd replica${alive.length > 1 ? 's' : ''} (${alive.join(', ')}) use this database with NATS between them; start this one with MCPD_NATS_URL as they have, or stop them first (one killed without a clean stop counts as alive for ${this.replicas.staleMs / 1000} s after its last beat)`,
        );
      }
      markedInactive = await this.llms.markUnconnectedInactive(connectedSessionIds, now);
      await this.agents.markUnconnectedInactive(connectedSessionIds, now);
    }
    const connected = new Set(connectedSessionIds);
    const heard = await this.sessions.listHeardSince(new Date(now.getTime() - this.heartbeatTimeoutMs));
    const expected = heard.filter((sessionId) => !connected.has(sessionId));
    this.grace.expect(expected);
    this.catalog.invalidate();
    return { markedInactive, expected: expected.length };
  }
}

/** The start's log line of a sweep that did something, or undefined: what went inactive, and whom requests wait for. */
export function sweepLine(report: StartupSweepReport, graceSeconds: number): string | undefined {
  const { markedInactive, expected } = report;
  const waiting =
    expected > 0 ? `requests for the LLMs of ${expected} publisher${expected === 1 ? '' : 's'} heard from before this start wait up to ${graceSeconds} s for ${expected === 1 ? 'it' : 'them'} to reconnect` : undefined;
  if (markedInactive === 0) return waiting;
  const inactive = `${markedInactive} virtual LLM${markedInactive === 1 ? '' : 's'} marked inactive until ${markedInactive === 1 ? 'its publisher reconnects' : 'their publishers reconnect'}`;
  return waiting ? `${inactive}; ${waiting}` : inactive;
}
