#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FaultUsageError } from './errors.js';
import type { FaultScenario } from './fault-context.js';
import type { FaultReport, ScenarioResult } from './fault-report.js';
import { FAULTS_USAGE, parseFaultArguments, type FaultOptions } from './fault-options.js';
import { formatScenario, formatSummary } from './print-faults.js';
import { runScenario } from './run-scenario.js';
import { FAULT_SCENARIOS } from './scenarios/index.js';

/*
 * `npm run faults`: the scenarios run one after another (a scenario measures timing, and the
 * machine may have two cores), each with its own mcpd, mcplocal and fake model servers.
 */

async function main(): Promise<number> {
  let options: FaultOptions;
  try {
    options = parseFaultArguments(process.argv.slice(2), FAULT_SCENARIOS.map((scenario) => scenario.item));
  } catch (error) {
    if (!(error instanceof FaultUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${FAULTS_USAGE}\n`);
    return 0;
  }
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('faults: interrupted, stopping the current scenario’s processes (again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const selected = FAULT_SCENARIOS.filter((scenario) => options.only.length === 0 || options.only.includes(scenario.item));
  const startedAt = performance.now();
  const results: ScenarioResult[] = [];
  await runAll(selected, results, controller.signal);
  const passed = results.filter((result) => result.met).length;
  const report: FaultReport = {
    command: process.env.npm_lifecycle_event === 'faults' ? 'npm run faults' : 'node packages/faults/dist/main.js',
    startedAt: new Date(Date.now() - (performance.now() - startedAt)).toISOString(),
    seconds: (performance.now() - startedAt) / 1000,
    results,
    passed,
    failed: results.length - passed,
  };
  process.stdout.write(`\n${formatSummary(report)}`);
  if (options.outputFile) {
    const file = resolve(options.outputFile);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  }
  if (controller.signal.aborted) return 130;
  return report.failed > 0 || results.length === 0 ? 1 : 0;
}

async function runAll(scenarios: readonly FaultScenario[], results: ScenarioResult[], signal: AbortSignal): Promise<void> {
  for (const scenario of scenarios) {
    if (signal.aborted) return;
    process.stderr.write(`faults: item ${scenario.item}: ${scenario.title}\n`);
    const startedAt = performance.now();
    const progress = (line: string) => process.stderr.write(`faults:   [${((performance.now() - startedAt) / 1000).toFixed(1)} s] ${line}\n`);
    const result = await runScenario(scenario, progress, { signal });
    results.push(result);
    process.stdout.write(`\n${formatScenario(result)}`);
  }
}

process.exit(await main());
