import type { TargetVerdict } from './bench-report.js';
import { summarize, type LatencySummary } from './latency-summary.js';

/** The instants of one wake, in ms on one clock (the bench process's `performance.now()`). */
export interface WakeInstants {
  /** The request left the client. */
  sentAt: number;
  /** The backend's wake endpoint was called: mcplocal running the recipe. */
  wakeCalledAt: number;
  /** The backend could serve again. */
  readyAt: number;
  /** mcplocal's readiness probe that found the backend up reached it; undefined when not seen. */
  detectedAt: number | undefined;
  /** The whole answer was back at the client. */
  answeredAt: number;
}

/** One request to a hibernating LLM, cut into the parts of its wait. */
export interface WakeSample {
  llm: string;
  /** How long the backend was set to take from its wake call to ready. */
  wakeDelayMs: number;
  status: number;
  /** Request to answer, all of it. */
  totalMs: number;
  /** Request to the wake call: mcpd dispatching the wake task, mcplocal starting the recipe. */
  untilWakeCallMs: number;
  /** Wake call to ready, as it happened (the set delay plus the backend's timer lateness). */
  backendWakeMs: number;
  /** Ready to answer: the overhead of waking through mcpd and mcplocal, which the target bounds. */
  overheadMs: number;
  /** Ready to the probe that saw it: the wait for mcplocal's next readiness probe. */
  probeLagMs: number | undefined;
}

export function wakeSample(llm: string, wakeDelayMs: number, status: number, at: WakeInstants): WakeSample {
  return {
    llm,
    wakeDelayMs,
    status,
    totalMs: at.answeredAt - at.sentAt,
    untilWakeCallMs: at.wakeCalledAt - at.sentAt,
    backendWakeMs: at.readyAt - at.wakeCalledAt,
    overheadMs: at.answeredAt - at.readyAt,
    probeLagMs: at.detectedAt === undefined ? undefined : at.detectedAt - at.readyAt,
  };
}

/** What the wake samples show, over the good ones (2xx). */
export interface WakeFigures {
  samples: WakeSample[];
  overheadMs: LatencySummary;
  totalMs: LatencySummary;
  untilWakeCallMs: LatencySummary;
  probeLagMs: LatencySummary;
  /** Detection to answer: mcplocal reporting the wake, mcpd flipping the row and relaying the request. */
  afterDetectionMs: LatencySummary;
  verdict: TargetVerdict;
}

export function summarizeWake(samples: readonly WakeSample[], maxOverheadP50Ms: number): WakeFigures {
  const good = samples.filter((sample) => sample.status >= 200 && sample.status < 300);
  const detected = good.filter((sample): sample is WakeSample & { probeLagMs: number } => sample.probeLagMs !== undefined);
  const overheadMs = summarize(good.map((sample) => sample.overheadMs));
  return {
    samples: [...samples],
    overheadMs,
    totalMs: summarize(good.map((sample) => sample.totalMs)),
    untilWakeCallMs: summarize(good.map((sample) => sample.untilWakeCallMs)),
    probeLagMs: summarize(detected.map((sample) => sample.probeLagMs)),
    afterDetectionMs: summarize(detected.map((sample) => sample.overheadMs - sample.probeLagMs)),
    verdict: {
      target: `a relayed answer ≤ ${maxOverheadP50Ms} ms at p50 after the backend is ready (wake of a hibernating LLM)`,
      measured: overheadMs.p50,
      limit: maxOverheadP50Ms,
      unit: 'ms',
      source: `${good.length} wakes, answer time minus the instant the backend came up`,
      met: overheadMs.p50 <= maxOverheadP50Ms,
      held: true,
    },
  };
}
