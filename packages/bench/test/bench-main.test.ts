import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/bench-report.js';

// The built entry point, as `npm run bench` runs it: the servers must be separate processes.
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const SHORT_RUN = ['--duration', '0.3', '--warmup', '0', '--samples', '20'];

let temp: TempDir | undefined;

afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bench main', () => {
  it('measures every scenario through real processes and prints only JSON with --json', async () => {
    // --reference adds the bare proxy's scenarios after mcpd's.
    temp = await makeTempDir('bench-test');
    const output = join(temp.path, 'report.json');
    const child = spawn(process.execPath, [MAIN, ...SHORT_RUN, '--reference', '--json', '--output', output], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);

    const report = JSON.parse(stdout) as BenchReport;
    expect(JSON.parse(await readFile(output, 'utf8'))).toEqual(report);
    expect(report.problems).toEqual([]);
    expect(report.command).toContain('--json');
    expect(report.results.map(({ scenario }) => [scenario.path, scenario.baseline, scenario.connections, scenario.streaming])).toEqual([
      ['mcpd', 'direct', 1, false],
      ['mcpd', 'direct', 64, false],
      ['mcpd', 'direct', 1, true],
      ['mcpd', 'direct', 64, true],
      ['bare-proxy', 'direct', 1, false],
      ['bare-proxy', 'direct', 64, false],
      ['bare-proxy', 'direct', 1, true],
      ['bare-proxy', 'direct', 64, true],
    ]);
    for (const result of report.results) {
      expect(result.baseline.ok).toBeGreaterThan(0);
      expect(result.path.ok).toBeGreaterThan(0);
      expect(result.throughputRatio).toBeGreaterThan(0);
      expect(result.verdicts).toHaveLength(result.scenario.path === 'mcpd' ? 1 : 0);
    }
    const streamingProbe = report.results[2]!.probe!;
    expect(streamingProbe.path.firstTokenMs!.count).toBe(20);
    expect(streamingProbe.path.failures).toBe(0);
    expect(report.results[1]!.probe).toBeUndefined();
  }, 60_000);

  it('stops the servers it started when interrupted', async () => {
    const child = spawn(process.execPath, [MAIN, ...SHORT_RUN, '--duration', '5', '--output', '/dev/null'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const pids: number[] = [];
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no load run started: ${stderr}`)), 30_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        for (const match of chunk.toString().matchAll(/: pid (\d+),/g)) pids.push(Number(match[1]));
        if (stderr.includes('alternating slices')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(pids).toHaveLength(2);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted');
    expect(pids.filter(isAlive)).toEqual([]);
  }, 60_000);
});
