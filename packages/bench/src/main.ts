#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchArguments, type BenchOptions } from './bench-options.js';
import { CleanupStack } from './cleanup-stack.js';
import { BenchUsageError } from './errors.js';
import { formatReport } from './print-report.js';
import { runBench } from './run-bench.js';
import { selectScenarios } from './scenarios.js';

/*
 * `npm run bench`: the fake upstream, mcpd and mcplocal in their own processes, the load
 * generator here, so no server shares an event loop with the client measuring it.
 */

const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DEFAULT_REPORT_FILE = join(REPOSITORY_ROOT, '.bench', 'latest.json');

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseBenchArguments(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const progress = options.json ? () => undefined : (line: string) => process.stderr.write(`bench: ${line}\n`);
  const cleanup = new CleanupStack();
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`bench: ${signal}, stopping every process it started (again to exit at once)\n`);
    controller.abort();
    // Stopping the servers now also fails a start-up that is still waiting on them.
    void cleanup.runAll();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const report = await runBench(options, {
      command: commandLine(argv),
      scenarios: selectScenarios(options.parts, options.reference, options.transports),
      wake: options.parts.includes('wake'),
      streamsBurst: options.parts.includes('streams500'),
      fleet: options.parts.includes('fleet'),
      cleanup,
      signal: controller.signal,
      progress,
    });
    const reportFile = resolve(options.outputFile ?? DEFAULT_REPORT_FILE);
    await mkdir(dirname(reportFile), { recursive: true });
    await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(formatReport(report));
      process.stdout.write(`\nJSON: ${relative(process.cwd(), reportFile) || reportFile}\n`);
    }
    if (report.problems.length > 0) {
      process.stderr.write(`bench: ${report.problems.length} run(s) had non-2xx answers or errors; see the report\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${controller.signal.aborted ? 'interrupted' : 'failed'}: ${describe(error)}\n`);
    return controller.signal.aborted ? 130 : 1;
  } finally {
    for (const failure of await cleanup.runAll()) process.stderr.write(`bench: ${failure}\n`);
  }
}

/** How this run was started, as someone would type it again. */
function commandLine(argv: string[]): string {
  const args = argv.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`;
  const script = relative(process.cwd(), fileURLToPath(import.meta.url));
  return `node ${script}${args ? ` ${args}` : ''}`;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current && parts.length < 4; current = (current as { cause?: unknown }).cause) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error is described as String() shows it
    parts.push((current as Error).message ?? String(current));
  }
  return parts.join(': ');
}

process.exit(await main());
