#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { BenchOptions } from './bench-options.js';
import { startBenchEnvironment } from './bench-environment.js';
import type { BenchPath } from './bench-path.js';
import { CleanupStack } from './cleanup-stack.js';
import { runLoad, type LoadSlice } from './load-run.js';
import { formatTable, type Column } from './text-table.js';

/*
 * `node packages/bench/dist/streaming-paths-main.js [--seconds S] [--rounds N] [--tokens N]`:
 * streamed answers only, on mcpd's public route, the bare Node proxy beside it and a relayed
 * LLM (SSE + POST), at 1 and 64 connections, with the server CPU each streamed chunk costs.
 * The three paths take turns in short runs, so a machine shared with other work slows them
 * alike. The fake upstream's own CPU is left out of the per-chunk figure.
 */

const PATHS = ['mcpd', 'bare-proxy', 'relay'] as const;
const CONNECTIONS = [1, 64] as const;

interface Totals {
  ok: number;
  failed: number;
  seconds: number;
  cpuSeconds: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, rounds: { type: 'string' }, tokens: { type: 'string' } } });
  const seconds = Number(values.seconds ?? 2);
  const rounds = Number(values.rounds ?? 3);
  const tokenCount = Number(values.tokens ?? 20);
  const options: BenchOptions = {
    durationSeconds: seconds,
    warmupSeconds: 1,
    probeSamples: 0,
    tokenCount,
    json: false,
    reference: true,
    outputFile: undefined,
    cpuProfileDir: undefined,
    parts: ['public', 'relay'],
    wakeSamples: 0,
    wakeDelaysMs: [],
  };
  const cleanup = new CleanupStack();
  const signal = new AbortController().signal;
  try {
    const environment = await startBenchEnvironment(options, new Set(PATHS), cleanup);
    const upstreamPids = new Set(environment.paths.get('direct')?.pids ?? []);
    const rows: string[][] = [];
    for (const connections of CONNECTIONS) {
      const totals = new Map<string, Totals>(PATHS.map((name) => [name, { ok: 0, failed: 0, seconds: 0, cpuSeconds: 0 }]));
      const measured = PATHS.map((name) => serversOnly(environment.paths.get(name)!, upstreamPids));
      for (const path of measured) await runLoad({ path, connections, streaming: true, durationSeconds: 1 }, signal);
      for (let round = 0; round < rounds; round += 1) {
        for (const path of measured) add(totals.get(path.name)!, await runLoad({ path, connections, streaming: true, durationSeconds: seconds }, signal));
      }
      const bare = totals.get('bare-proxy')!;
      for (const name of PATHS) {
        const total = totals.get(name)!;
        const perSecond = total.ok / total.seconds;
        // The fake upstream streams `tokenCount` content chunks, then the finish chunk.
        const cpuPerChunkUs = (total.cpuSeconds / (total.ok * (tokenCount + 1))) * 1e6;
        rows.push([
          name,
          String(connections),
          perSecond.toFixed(0),
          `${((perSecond / (bare.ok / bare.seconds)) * 100).toFixed(0)} %`,
          cpuPerChunkUs.toFixed(1),
          String(total.failed),
        ]);
      }
    }
    const columns: Column[] = [
      { header: 'path', align: 'left' },
      ...['conn', 'streams/s', 'of bare proxy', 'server CPU µs/chunk', 'failed'].map((header): Column => ({ header, align: 'right' })),
    ];
    process.stdout.write(`${formatTable(columns, rows)}\n`);
  } finally {
    for (const failure of await cleanup.runAll()) process.stderr.write(`bench: ${failure}\n`);
  }
}

/** The path with the fake upstream left out of its CPU accounting. */
function serversOnly(path: BenchPath, upstreamPids: ReadonlySet<number>): BenchPath {
  return { ...path, pids: path.pids.filter((pid) => !upstreamPids.has(pid)) };
}

function add(total: Totals, slice: LoadSlice): void {
  total.ok += slice.ok;
  total.failed += slice.non2xx + slice.errors;
  total.seconds += slice.durationSeconds;
  total.cpuSeconds += slice.serverCpuSeconds ?? Number.NaN;
}

await main();
