import { startBenchEnvironment, type RelayTransportUse } from './bench-environment.js';
import type { BenchOptions } from './bench-options.js';
import type { BenchReport, ScenarioResult } from './bench-report.js';
import type { CleanupStack } from './cleanup-stack.js';
import { describeMachine, loadAverage, readCpuTimes, stealPercent, type MachineDescription } from './machine.js';
import { measureFleet, type FleetFigures } from './measure-fleet.js';
import { measureStreamsBurst, type StreamsBurstResult } from './measure-streams-burst.js';
import { measureWake } from './measure-wake.js';
import { sessionTransport } from './provider-session.js';
import { runScenario, type Progress } from './run-scenario.js';
import { scenarioLabel, type Scenario } from './scenarios.js';
import type { WakeFigures } from './wake-overhead.js';

export interface BenchRun {
  /** Printed in the report and stored in the JSON, so the figures can be reproduced. */
  command: string;
  scenarios: readonly Scenario[];
  /** Also time waking hibernating LLMs. */
  wake: boolean;
  /** Also run `streams500` over `options.transports`. */
  streamsBurst: boolean;
  /** Also connect a fleet of provider sessions to an mcpd of its own. */
  fleet: boolean;
  cleanup: CleanupStack;
  signal: AbortSignal;
  progress: Progress;
}

/** Starts the servers, runs every scenario in order, then `streams500`, then the wake, and returns the report; the caller runs the cleanup. */
export async function runBench(options: BenchOptions, run: BenchRun): Promise<BenchReport> {
  const machine = describeMachine();
  const cpuAtStart = readCpuTimes();
  const date = new Date().toISOString();
  const pathNames = new Set(run.scenarios.flatMap((scenario) => [scenario.path, scenario.baseline]));
  const pacedTransports = run.streamsBurst ? options.transports : [];
  run.progress(
    `starting the fake upstream, mcpd and what these paths need: ${[...pathNames].join(', ') || 'none'}${run.streamsBurst ? `; streams500 over ${pacedTransports.join(', ')}` : ''}`,
  );
  const environment = await startBenchEnvironment(options, { pathNames, pacedTransports }, run.cleanup);
  for (const { name, pid, detail } of environment.processes) run.progress(`${name}: pid ${pid}, ${detail}`);
  for (const relay of environment.relays) run.progress(`${relay.path}: mcplocal asked for ${relay.asked}, its session uses ${relay.used ?? 'a transport mcpd does not name'}`);
  const results: ScenarioResult[] = [];
  for (const scenario of run.scenarios) {
    results.push(await runScenario(scenario, environment.paths, options, run.signal, run.progress));
  }
  let streamsBurst: StreamsBurstResult | undefined;
  if (run.streamsBurst) {
    streamsBurst = await measureStreamsBurst(
      {
        streams: options.streams,
        transports: environment.relays.filter((relay) => pacedTransports.includes(relay.asked)),
        pacedPaths: environment.pacedPaths,
        processNames: new Map(environment.processes.map((entry) => [entry.pid, entry.name])),
      },
      run.signal,
      run.progress,
    );
  }
  // Read again at the end: a session that fell back or reconnected on another transport mid-run shows here.
  const transports = await Promise.all(
    environment.relays.map(async (relay) => ({ ...relay, usedAtEnd: await sessionTransport(environment.mcpd, relay.llm) })),
  );
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
  let fleet: FleetFigures | undefined;
  if (run.fleet) fleet = await measureFleet(options.fleetSessions, run.cleanup, run.signal, run.progress);
  const { json: _json, outputFile: _outputFile, ...settings } = options;
  const steal = stealPercent(cpuAtStart, readCpuTimes());
  return {
    command: run.command,
    date,
    machine,
    loadAverageAtEnd: loadAverage(),
    stealPercent: steal,
    settings,
    results,
    transports,
    wake,
    streamsBurst,
    fleet,
    problems: [...results.flatMap((result) => result.problems), ...(streamsBurst?.problems ?? []), ...wakeProblems(wake), ...fleetProblems(fleet)],
    warnings: [...busyMachineWarnings(machine), ...busyHostWarnings(steal, results), ...transportWarnings(transports)],
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

/** Steal above this share of the run's CPU time is worth a warning: the host, not the machine, set the pace. */
const BUSY_HOST_STEAL_PERCENT = 2;

/**
 * The host running other work on this machine's cores slows every process under test, unevenly:
 * said for the whole run, and for each scenario that had it (a short scenario's share can hide
 * in a long run's).
 */
export function busyHostWarnings(steal: number | undefined, results: readonly Pick<ScenarioResult, 'scenario' | 'stealPercent'>[] = []): string[] {
  const warnings =
    steal === undefined || steal <= BUSY_HOST_STEAL_PERCENT
      ? []
      : [
          `the host took ${steal} % of this machine's CPU time during the run (steal): the processes under test ran slower and less evenly than on a quiet host, CPU per answer above all, so compare these figures only with runs that had little steal`,
        ];
  for (const { scenario, stealPercent } of results) {
    if (stealPercent === undefined || stealPercent <= BUSY_HOST_STEAL_PERCENT) continue;
    warnings.push(`${scenario.path} vs ${scenario.baseline}, ${scenarioLabel(scenario)}, ${scenario.connections} conn: the host took ${stealPercent} % of the CPU time during its runs (steal); read its figures with that in mind`);
  }
  return warnings;
}

/** A relay whose session did not use the transport it was asked for measures another transport than its name says. */
export function transportWarnings(transports: readonly (RelayTransportUse & { usedAtEnd: RelayTransportUse['used'] })[]): string[] {
  return transports.flatMap((relay) => {
    if (relay.used === relay.asked && relay.usedAtEnd === relay.asked) return [];
    const used = relay.used === relay.usedAtEnd ? describe(relay.used) : `${describe(relay.used)} at the start and ${describe(relay.usedAtEnd)} at the end`;
    return [`${relay.path} (mcplocal with MCPLOCAL_PROVIDER_TRANSPORT=${relay.asked}) measured a session on ${used}: its figures are not those of ${relay.asked}`];
  });
}

function describe(transport: RelayTransportUse['used']): string {
  return transport ?? 'no transport mcpd names';
}

/** Failed requests of the fleet's probes: the latency figures then leave them out. */
function fleetProblems(fleet: FleetFigures | undefined): string[] {
  if (!fleet) return [];
  const [quiet, beating] = [fleet.quiet, fleet.beating].map((probe) => probe.baseline.failures + probe.path.failures) as [number, number];
  return quiet + beating > 0 ? [`fleet: ${quiet} failed requests without the fleet, ${beating} while it beat`] : [];
}
