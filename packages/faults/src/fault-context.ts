import type { CleanupStack } from '@mcpctl/bench';
import type { Figure } from './fault-report.js';

/** What a running scenario gets: where to leave its processes, when to stop, where its figures go. */
export interface FaultContext {
  /** Everything started is added here and undone when the scenario ends, however it ends. */
  cleanup: CleanupStack;
  /** Aborts when the scenario runs out of time; every wait takes it. */
  signal: AbortSignal;
  /** Records a figure at once, so a scenario cut short still shows what it measured. */
  measure(figure: Figure): void;
  /** Names a departure from the defaults (a shortened timeout) and why. */
  setting(text: string): void;
  progress(line: string): void;
}

/**
 * What a scenario's time limit allows for starting its processes: seconds on an idle machine,
 * but a two-core machine shared with other work has taken over a minute for an mcpd and two
 * mcplocals. Limits are there to stop hangs, not to judge start-up.
 */
export const START_ALLOWANCE_MS = 150_000;

/** One scripted scenario of the fault suite. */
export interface FaultScenario {
  item: number;
  title: string;
  /** Hard limit, process starts included: past it the scenario is stopped, cleaned up and counted as a miss. */
  timeoutMs: number;
  run(context: FaultContext): Promise<void>;
}
