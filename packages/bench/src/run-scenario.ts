import type { BenchPath } from './bench-path.js';
import type { ScenarioResult } from './bench-report.js';
import { BenchError } from './errors.js';
import { evaluateTargets } from './evaluate-targets.js';
import { readCpuTimes, stealPercent } from './machine.js';
import { measureAlternating } from './alternating-load.js';
import type { LoadFigures } from './load-figures.js';
import { scenarioLabel, type Scenario } from './scenarios.js';
import { probeSequentially, type ProbeComparison } from './sequential-probe.js';

export interface RunSettings {
  durationSeconds: number;
  warmupSeconds: number;
  probeSamples: number;
}

/** Receives one line per step, for a person watching the run. */
export type Progress = (line: string) => void;

/** Length of one load run unless the scenario says otherwise; the measured time is cut into slices that alternate between the two paths. */
const SLICE_SECONDS = 1;

/**
 * Measures the path and its baseline under the scenario's load in alternating slices, then (when
 * the scenario asks) runs the sequential probe, and holds the figures against the scenario's targets.
 */
export async function runScenario(
  scenario: Scenario,
  paths: ReadonlyMap<string, BenchPath>,
  settings: RunSettings,
  signal: AbortSignal,
  progress: Progress,
): Promise<ScenarioResult> {
  const baselinePath = findPath(paths, scenario.baseline);
  const path = findPath(paths, scenario.path);
  const label = `${scenarioLabel(scenario)}, ${scenario.connections} conn`;
  const shape = { connections: scenario.connections, streaming: scenario.streaming };
  const { slices, durationSeconds } = sliceRuns(settings.durationSeconds, scenario.sliceSeconds ?? SLICE_SECONDS);
  progress(`${label}: ${baselinePath.name} and ${path.name}, ${slices} alternating slices of ${(durationSeconds / slices).toFixed(1)} s each`);
  const cpuBefore = readCpuTimes();
  const { baseline, path: measured } = await measureAlternating(baselinePath, path, shape, { ...settings, durationSeconds, slices }, signal);
  const steal = stealPercent(cpuBefore, readCpuTimes());
  let probe: ProbeComparison | undefined;
  if (scenario.sequentialProbe) {
    progress(`${label}: sequential probe, ${settings.probeSamples} alternating pairs`);
    const warmupPairs = Math.min(200, Math.ceil(settings.probeSamples / 5));
    probe = await probeSequentially(baselinePath, path, { streaming: scenario.streaming, pairs: settings.probeSamples, warmupPairs }, signal);
  }
  return {
    scenario,
    baseline,
    path: measured,
    throughputRatio: measured.requestsPerSecond / baseline.requestsPerSecond,
    stealPercent: steal,
    addedP50Ms: measured.latencyMs.p50 - baseline.latencyMs.p50,
    probe,
    verdicts: evaluateTargets(scenario, { baseline, path: measured, probe }),
    problems: [
      ...loadProblems(`${label}, ${baselinePath.name}`, baseline),
      ...loadProblems(`${label}, ${path.name}`, measured),
      ...probeProblems(label, baselinePath.name, path.name, probe),
    ],
  };
}

/**
 * Cuts the measured time into runs of about `sliceSeconds`, never shorter: a run shorter than one
 * answer of the path counts no answer at all, so a short `--duration` lengthens the run instead.
 */
export function sliceRuns(durationSeconds: number, sliceSeconds: number): { slices: number; durationSeconds: number } {
  const slices = Math.max(1, Math.round(durationSeconds / sliceSeconds));
  return { slices, durationSeconds: Math.max(durationSeconds, slices * sliceSeconds) };
}

function findPath(paths: ReadonlyMap<string, BenchPath>, name: string): BenchPath {
  const path = paths.get(name);
  if (!path) throw new BenchError(`a scenario names the path "${name}", which the bench environment does not start`);
  return path;
}

function loadProblems(where: string, figures: LoadFigures): string[] {
  if (figures.non2xx === 0 && figures.errors === 0 && figures.timeouts === 0 && figures.ok > 0) return [];
  return [`${where}: ${figures.ok} ok, ${figures.non2xx} non-2xx, ${figures.errors} errors, ${figures.timeouts} timeouts`];
}

function probeProblems(where: string, baseline: string, path: string, probe: ProbeComparison | undefined): string[] {
  if (!probe) return [];
  const problems: string[] = [];
  if (probe.baseline.failures > 0) problems.push(`${where}, probe, ${baseline}: ${probe.baseline.failures} failed requests`);
  if (probe.path.failures > 0) problems.push(`${where}, probe, ${path}: ${probe.path.failures} failed requests`);
  return problems;
}
