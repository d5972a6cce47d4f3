import { startBenchEnvironment } from './bench-environment.js';
import type { BenchOptions } from './bench-options.js';
import type { BenchReport, ScenarioResult } from './bench-report.js';
import type { CleanupStack } from './cleanup-stack.js';
import { describeMachine, loadAverage, type MachineDescription } from './machine.js';
import { runScenario, type Progress } from './run-scenario.js';
import type { Scenario } from './scenarios.js';

export interface BenchRun {
  /** Printed in the report and stored in the JSON, so the figures can be reproduced. */
  command: string;
  scenarios: readonly Scenario[];
  cleanup: CleanupStack;
  signal: AbortSignal;
  progress: Progress;
}

/** Starts the servers, runs every scenario in order and returns the report; the caller runs the cleanup. */
export async function runBench(options: BenchOptions, run: BenchRun): Promise<BenchReport> {
  const machine = describeMachine();
  const date = new Date().toISOString();
  run.progress(`starting the fake upstream, mcpd${options.reference ? ' and the bare proxy' : ''}`);
  const environment = await startBenchEnvironment(options, run.cleanup);
  for (const { name, pid, url } of environment.processes) run.progress(`${name}: pid ${pid}, ${url}`);
  const results: ScenarioResult[] = [];
  for (const scenario of run.scenarios) {
    results.push(await runScenario(scenario, environment.paths, options, run.signal, run.progress));
  }
  const { json: _json, outputFile: _outputFile, ...settings } = options;
  return {
    command: run.command,
    date,
    machine,
    loadAverageAtEnd: loadAverage(),
    settings,
    results,
    problems: results.flatMap((result) => result.problems),
    warnings: busyMachineWarnings(machine),
  };
}

/** Other work on the machine competes with the three processes under test for the same cores. */
function busyMachineWarnings(machine: MachineDescription): string[] {
  if (machine.loadAverageAtStart <= machine.cores / 2) return [];
  return [
    `load average ${machine.loadAverageAtStart} on ${machine.cores} cores before the run started: other processes competed for the CPU, so the figures are noisier than on an idle machine`,
  ];
}
