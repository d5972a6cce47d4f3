import { formatMilliseconds, type Usage } from '@mcpctl/protocol';

/** Where an answer is: nothing yet, thinking (reasoning deltas), answering, or done. */
export type StreamPhase = 'waiting' | 'reasoning' | 'answering' | 'finished';

export interface StatsSnapshot {
  phase: StreamPhase;
  elapsedMs: number;
  /** Time to the first delta, reasoning or content. */
  ttftMs: number | undefined;
  /** Present once a reasoning delta arrived. */
  reasoning: { ms: number; tokens: number } | undefined;
  /** The server's `usage.completion_tokens` when it sent one, else the number of deltas. */
  completionTokens: number;
  /** Completion tokens over the time from the first token to now (or the end). */
  tokensPerSecond: number | undefined;
}

/**
 * Timing of one streamed answer. Every method takes the time as an argument so the math
 * is tested without a clock; the caller passes `now()`.
 */
export class StreamStats {
  readonly #startedAt: number;
  #firstTokenAt: number | undefined;
  #reasoningStartedAt: number | undefined;
  #reasoningEndedAt: number | undefined;
  #reasoningDeltas = 0;
  #contentDeltas = 0;
  #usage: Usage | undefined;
  #finishedAt: number | undefined;

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  get started(): boolean {
    return this.#firstTokenAt !== undefined;
  }

  recordReasoning(at: number): void {
    this.#firstTokenAt ??= at;
    this.#reasoningStartedAt ??= at;
    this.#reasoningDeltas += 1;
  }

  recordContent(at: number): void {
    this.#firstTokenAt ??= at;
    if (this.#reasoningStartedAt !== undefined) this.#reasoningEndedAt ??= at;
    this.#contentDeltas += 1;
  }

  /** The server's count wins over counted deltas: one delta is not always one token. */
  recordUsage(usage: Usage): void {
    this.#usage = usage;
  }

  finish(at: number): void {
    this.#finishedAt ??= at;
  }

  snapshot(now: number): StatsSnapshot {
    const end = this.#finishedAt ?? now;
    const completionTokens = this.#usage?.completion_tokens ?? this.#reasoningDeltas + this.#contentDeltas;
    const generationMs = this.#firstTokenAt === undefined ? 0 : end - this.#firstTokenAt;
    return {
      phase: this.#phase(),
      elapsedMs: end - this.#startedAt,
      ttftMs: this.#firstTokenAt === undefined ? undefined : this.#firstTokenAt - this.#startedAt,
      reasoning:
        this.#reasoningStartedAt === undefined
          ? undefined
          : { ms: (this.#reasoningEndedAt ?? end) - this.#reasoningStartedAt, tokens: this.#reasoningTokens() },
      completionTokens,
      tokensPerSecond: generationMs > 0 && completionTokens > 0 ? completionTokens / (generationMs / 1000) : undefined,
    };
  }

  #phase(): StreamPhase {
    if (this.#finishedAt !== undefined) return 'finished';
    if (this.#contentDeltas > 0) return 'answering';
    if (this.#reasoningDeltas > 0) return 'reasoning';
    return 'waiting';
  }

  #reasoningTokens(): number {
    const details = this.#usage?.completion_tokens_details;
    if (typeof details === 'object' && details !== null) {
      const reported = (details as { reasoning_tokens?: unknown }).reasoning_tokens;
      if (typeof reported === 'number') return reported;
    }
    return this.#reasoningDeltas;
  }
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The live status line; `waking` is the latest `: waking …` comment while nothing else arrived. */
export function formatLiveStatus(snapshot: StatsSnapshot, waking?: string): string {
  const spinner = SPINNER[Math.floor(snapshot.elapsedMs / 100) % SPINNER.length] ?? '';
  const elapsed = formatMilliseconds(snapshot.elapsedMs);
  switch (snapshot.phase) {
    case 'waiting':
      return waking === undefined ? `${spinner} waiting for the first token · ${elapsed}` : `${spinner} ${waking} · ${elapsed}`;
    case 'reasoning':
      return `${spinner} thinking · ${snapshot.reasoning?.tokens ?? 0} tok · ttft ${formatTtft(snapshot)} · ${elapsed}`;
    case 'answering':
    case 'finished':
      return formatSummary(snapshot);
  }
}

/** `ttft 120 ms · 42 tok · 35.1 tok/s · 1.5 s`, plus the thinking phase when there was one. */
export function formatSummary(snapshot: StatsSnapshot, servedBy?: string): string {
  const parts = [
    `ttft ${formatTtft(snapshot)}`,
    `${snapshot.completionTokens} tok`,
    `${snapshot.tokensPerSecond === undefined ? '-' : snapshot.tokensPerSecond.toFixed(1)} tok/s`,
    formatMilliseconds(snapshot.elapsedMs),
  ];
  if (snapshot.reasoning !== undefined) {
    parts.push(`thought ${formatMilliseconds(snapshot.reasoning.ms)} (${snapshot.reasoning.tokens} tok)`);
  }
  if (servedBy !== undefined) parts.push(`served by ${servedBy}`);
  return parts.join(' · ');
}

/** A non-streamed answer has no first token: only its total time and the server's count. */
export function formatWholeAnswerSummary(elapsedMs: number, usage: Usage | undefined, servedBy?: string): string {
  const parts = [formatMilliseconds(elapsedMs)];
  if (usage !== undefined) {
    parts.push(`${usage.completion_tokens} tok`);
    if (elapsedMs > 0) parts.push(`${(usage.completion_tokens / (elapsedMs / 1000)).toFixed(1)} tok/s`);
  }
  if (servedBy !== undefined) parts.push(`served by ${servedBy}`);
  return parts.join(' · ');
}

function formatTtft(snapshot: StatsSnapshot): string {
  return snapshot.ttftMs === undefined ? '-' : formatMilliseconds(snapshot.ttftMs);
}
