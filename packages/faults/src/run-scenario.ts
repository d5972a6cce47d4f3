import { setMaxListeners } from 'node:events';
import { CleanupStack } from '@mcpctl/bench';
import { describeError } from './chat-caller.js';
import type { FaultScenario } from './fault-context.js';
import type { Figure, ScenarioResult } from './fault-report.js';

/** Longer than the slowest process start the environment allows. */
const SETTLE_MS = 150_000;

/**
 * Runs one scenario with its own cleanup and a hard time limit. A scenario that throws or runs
 * out of time is a miss that keeps the figures measured so far; its processes and temporary
 * directories are removed either way.
 */
export async function runScenario(
  scenario: FaultScenario,
  progress: (line: string) => void,
  options: { signal?: AbortSignal | undefined; settleMs?: number } = {},
): Promise<ScenarioResult> {
  const outer = options.signal;
  const startedAt = performance.now();
  const cleanup = new CleanupStack();
  const controller = new AbortController();
  // Every caller of a scenario listens on its signal; eleven streams are not a leak.
  setMaxListeners(0, controller.signal);
  const figures: Figure[] = [];
  const settings: string[] = [];
  const stopOuter = () => controller.abort(new Error('interrupted'));
  outer?.addEventListener('abort', stopOuter, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`did not finish within ${scenario.timeoutMs / 1000} s`)), scenario.timeoutMs);
  let failure: string | undefined;
  const running = scenario.run({
    cleanup,
    signal: controller.signal,
    measure: (figure) => {
      figures.push(figure);
      progress(`${figure.met ? 'PASS' : 'MISS'} ${figure.name}: ${figure.measured}`);
    },
    setting: (text) => settings.push(text),
    progress,
  });
  // Once the limit passed, whatever the scenario still does fails against stopped processes: ignore it.
  running.catch(() => undefined);
  const stopped = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await Promise.race([running, stopped]);
    if (controller.signal.aborted) failure = describeError(controller.signal.reason);
  } catch (error) {
    failure = describeError(error);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', stopOuter);
    for (const problem of await cleanup.runAll()) progress(`cleanup: ${problem}`);
    // A stopped scenario may still be starting a process; it stops that process itself once
    // ready (or the start times out), so wait for it before the next scenario starts.
    await Promise.race([running.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, options.settleMs ?? SETTLE_MS).unref())]);
  }
  if (!failure && figures.length === 0) failure = 'measured nothing';
  if (failure?.includes('\n')) {
    // A spawner's error carries the child's output: the tail goes to the progress, the first line to the table.
    progress(`failure in full (last lines):\n${failure.slice(-3_000)}`);
    failure = failure.slice(0, failure.indexOf('\n')).replace(/:$/, '');
  }
  return {
    item: scenario.item,
    title: scenario.title,
    settings,
    figures,
    failure,
    seconds: (performance.now() - startedAt) / 1000,
    met: failure === undefined && figures.every((figure) => figure.met),
  };
}
