import { startBenchEnvironment } from './bench-environment.js';
import type { BenchOptions } from './bench-options.js';
import type { BenchReport, ScenarioResult } from './bench-report.js';
import type { CleanupStack } from './cleanup-stack.js';
import { describeMachine, loadAverage, type MachineDescription } from './machine.js';
import { measureWake } from './measure-wake.js';
import { runScenario, type Progress } from './run-scenario.js';
import type { Scenario } from './scenarios.js';
import type { WakeFigures } from './wake-overhead.js';

export interface BenchRun {
  /** Printed in the report and stored in the JSON, so the figures can be reproduced. */
  command: string;
  scenarios: readonly Scenario[];
  /** Also time waking hibernating LLMs. */
  wake: boolean;
  cleanup: CleanupStack;
  signal: AbortSignal;
  progress: Progress;
}

/** Starts the servers, runs every scenario in order, then the wake, and returns the report; the caller runs the cleanup. */
export async function runBench(options: BenchOptions, run: BenchRun): Promise<BenchReport> {
  const machine = describeMachine();
  const date = new Date().toISOString();
  const pathNames = new Set(run.scenarios.flatMap((scenario) => [scenario.path, scenario.baseline]));
  run.progress(`starting the fake upstream, mcpd and what these paths need: ${[...pathNames].join(', ') || 'none'}`);
  const environment = await startBenchEnvironment(options, pathNames, run.cleanup);
  for (const { name, pid, detail } of environment.processes) run.progress(`${name}: pid ${pid}, ${detail}`);
  const results: ScenarioResult[] = [];
  for (const scenario of run.scenarios) {
    results.push(await runScenario(scenario, environment.paths, options, run.signal, run.progress));
  }
  let wake: WakeFigures | undefined;
  if (run.wake) {
    run.progress(`wake: ${options.wakeSamples} hibernating LLMs, backends up ${options.wakeDelaysMs.join('/')} ms after their wake call`);
    wake = await measureWake(
      environment.mcpd,
      { samples: options.wakeSamples, delaysMs: options.wakeDelaysMs, tokenCount: options.tokenCount },
      run.cleanup,
      run.signal,
      run.progress,
    );
  }
  const { json: _json, outputFile: _outputFile, ...settings } = options;
  return {
    command: run.command,
    date,
    machine,
    loadAverageAtEnd: loadAverage(),
    settings,
    results,
    wake,
    problems: [...results.flatMap((result) => result.problems), ...wakeProblems(wake)],
    warnings: busyMachineWarnings(machine),
  };
}

function wakeProblems(wake: WakeFigures | undefined): string[] {
  if (!wake) return [];
  return wake.samples
    .filter((sample) => sample.status < 200 || sample.status >= 300)
    .map((sample) => `wake, ${sample.llm}: answered HTTP ${sample.status}`);
}

/** Other work on the machine competes with the processes under test for the same cores. */
function busyMachineWarnings(machine: MachineDescription): string[] {
  if (machine.loadAverageAtStart <= machine.cores / 2) return [];
  return [
    `load average ${machine.loadAverageAtStart} on ${machine.cores} cores before the run started: other processes competed for the CPU, so the figures are noisier than on an idle machine`,
  ];
}
