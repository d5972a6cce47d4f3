import type { BenchPath } from './bench-path.js';
import type { ScenarioResult } from './bench-report.js';
import { BenchError } from './errors.js';
import { evaluateTargets } from './evaluate-targets.js';
import { runLoad, type LoadFigures } from './load-run.js';
import { scenarioLabel, type Scenario } from './scenarios.js';
import { probeSequentially, type ProbeComparison } from './sequential-probe.js';

export interface RunSettings {
  durationSeconds: number;
  warmupSeconds: number;
  probeSamples: number;
}

/** Receives one line per step, for a person watching the run. */
export type Progress = (line: string) => void;

/**
 * Measures the baseline, then the path, each after a warm-up of the same load, then (when the
 * scenario asks) the sequential probe, and holds the figures against the scenario's targets.
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
  const measure = async (target: BenchPath): Promise<LoadFigures> => {
    const shape = { path: target, connections: scenario.connections, streaming: scenario.streaming };
    if (settings.warmupSeconds > 0) await runLoad({ ...shape, durationSeconds: settings.warmupSeconds }, signal);
    progress(`${label}: ${target.name} for ${settings.durationSeconds} s`);
    return runLoad({ ...shape, durationSeconds: settings.durationSeconds }, signal);
  };
  const baseline = await measure(baselinePath);
  const measured = await measure(path);
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
