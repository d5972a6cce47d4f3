import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, parseLogLine, spawnFakeUpstream, spawnMcpd, spawnService } from '@mcpctl/test-kit';
import type { BenchPath } from './bench-path.js';
import { keepProcess } from './bench-process.js';
import type { TargetVerdict } from './bench-report.js';
import type { CleanupStack } from './cleanup-stack.js';
import { cpuBetween, percentOfCore } from './cpu-accounting.js';
import { BenchError } from './errors.js';
import { processCpuSeconds } from './process-cpu.js';
import { registerLlm } from './register-llm.js';
import type { Progress } from './run-scenario.js';
import { probeSequentially, type ProbeComparison } from './sequential-probe.js';

const here = fileURLToPath(import.meta.url);
const SIMULATOR_MAIN = here.endsWith('.ts') ? join(dirname(here), '..', 'dist', 'fleet-simulator-main.js') : join(dirname(here), 'fleet-simulator-main.js');

/** The fleet's publishers beat every 30 s, as mcplocal does. */
export const FLEET_HEARTBEAT_INTERVAL_MS = 30_000;
/** Targets of issue 14 item 7. */
export const FLEET_MAX_RSS_MIB = 1024;
export const FLEET_MAX_ADDED_P50_GROWTH = 1.1;
const MODEL = 'fake-model';
const PROBE_PAIRS = 2000;
const PROBE_WARMUP_PAIRS = 200;
/** Seconds the fleet beats before the probe, so the write batches and the sockets' pings are in their steady state. */
const SETTLE_SECONDS = 5;

export interface FleetFigures {
  sessions: number;
  heartbeatIntervalMs: number;
  /** Beats a second the simulator sent while the public path was probed. */
  beatsPerSecond: number;
  registerSeconds: number;
  connectSeconds: number;
  /** mcpd's resident memory: before the fleet, with every session connected, and the most seen from the first registration to the end. */
  rssMiB: { before: number; connected: number; peak: number };
  /** mcpd's CPU in % of one core while the fleet only beat (no request), and while it beat and the probe ran. */
  mcpdCpuPercent: { beating: number | undefined; beatingAndProbed: number | undefined };
  /** The public path against the fake upstream, one request at a time: without the fleet, then while it beats. */
  quiet: ProbeComparison;
  beating: ProbeComparison;
  /** Added p50 while the fleet beats over added p50 without it. */
  addedP50Growth: number;
  verdicts: TargetVerdict[];
}

/**
 * The fleet of issue 14 item 7, on an mcpd of its own: the public path's added latency without a
 * fleet, then `sessions` provider sessions (the simulator, one process) registered, each holding
 * its socket and beating every 30 s, and the same probe again while they beat; mcpd's resident
 * memory throughout.
 */
export async function measureFleet(sessions: number, cleanup: CleanupStack, signal: AbortSignal, progress: Progress): Promise<FleetFigures> {
  const fake = await spawnFakeUpstream(['--model', MODEL, '--token-count', '16']);
  const upstream = keepProcess(cleanup, 'the fleet\'s fake upstream', fake, fake.url);
  const dataDir = await makeTempDir('mcpctl-bench-fleet');
  cleanup.add(`remove ${dataDir.path}`, dataDir.cleanup);
  const room = String(sessions + 100);
  const mcpd = await spawnMcpd({
    dataDir: dataDir.path,
    env: { MCPD_MAX_PROVIDER_SESSIONS_PER_USER: room, MCPD_MAX_STREAMS_PER_USER: room, MCPD_MAX_LLMS_PER_USER: room },
  });
  const server = keepProcess(cleanup, 'the fleet\'s mcpd', mcpd, mcpd.url);
  await registerLlm(mcpd.url, mcpd.adminToken, { name: 'bench', type: 'openai', model: MODEL, url: `${fake.url}/v1` });
  const direct: BenchPath = { name: 'direct', url: `${fake.url}/v1/chat/completions`, model: MODEL, headers: {}, pids: [upstream.pid], gatewayPids: [] };
  const mcpdPath: BenchPath = {
    name: 'mcpd',
    url: `${mcpd.url}/v1/chat/completions`,
    model: 'bench',
    headers: { authorization: `Bearer ${mcpd.adminToken}` },
    pids: [server.pid, upstream.pid],
    gatewayPids: [server.pid],
  };
  const probe = () => probeSequentially(direct, mcpdPath, { streaming: false, pairs: PROBE_PAIRS, warmupPairs: PROBE_WARMUP_PAIRS }, signal);

  progress(`fleet: the public path without a fleet, ${PROBE_PAIRS} requests one at a time`);
  const quiet = await probe();
  const before = residentMiB(server.pid);

  progress(`fleet: registering ${sessions} provider sessions and opening a socket for each`);
  // From the first registration to the end: the most the fleet ever cost.
  const memory = watchResidentMemory(server.pid, before);
  try {
    let beatsPerSecond = 0;
    const simulator = await spawnService({
      name: 'fleet simulator',
      main: SIMULATOR_MAIN,
      args: ['--url', mcpd.url, '--token', mcpd.adminToken, '--sessions', String(sessions), '--interval-ms', String(FLEET_HEARTBEAT_INTERVAL_MS)],
      startTimeoutMs: 30 * 60_000,
      ready: (line) => {
        const record = parseLogLine(line);
        if (record?.msg === 'registered' || record?.msg === 'connected') progress(`fleet: ${record.msg} ${String(record.done)}`);
        if (record?.msg === 'beating' && typeof record.beatsPerSecond === 'number') beatsPerSecond = record.beatsPerSecond;
        return record?.msg === 'fleet ready' ? record : undefined;
      },
    });
    keepProcess(cleanup, 'the fleet simulator', simulator, `${sessions} sessions`);
    simulator.process.stdout?.on('data', (text: Buffer) => {
      for (const line of text.toString('utf8').split('\n')) {
        const record = parseLogLine(line);
        if (record?.msg === 'beating' && typeof record.beatsPerSecond === 'number') beatsPerSecond = record.beatsPerSecond;
      }
    });
    const ready = simulator.value;
    const connected = residentMiB(server.pid);
    progress(`fleet: ${sessions} sessions connected (${Number(ready.registerSeconds).toFixed(1)} s to register, ${Number(ready.connectSeconds).toFixed(1)} s to connect); mcpd at ${connected.toFixed(0)} MiB`);
    const beatingOnly = await cpuPercentDuring(server.pid, () => new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000)));

    progress(`fleet: the public path while ${sessions} sessions beat every ${FLEET_HEARTBEAT_INTERVAL_MS / 1000} s`);
    let beating: ProbeComparison | undefined;
    const beatingAndProbed = await cpuPercentDuring(server.pid, async () => {
      beating = await probe();
    });
    const dropped = simulator.output().includes('a socket closed');
    await simulator.stop();
    if (dropped) throw new BenchError('mcpd closed sockets of the fleet while it beat; see the simulator\'s output');

    const addedP50Growth = ratio(beating!.addedMs.p50, quiet.addedMs.p50);
    const verdicts: TargetVerdict[] = [
      { target: `mcpd resident memory with ${sessions} sessions ≤ ${FLEET_MAX_RSS_MIB} MiB`, measured: memory.peak, limit: FLEET_MAX_RSS_MIB, unit: 'MiB', source: 'fleet', met: memory.peak <= FLEET_MAX_RSS_MIB, held: true },
      {
        target: `public added p50 while the fleet beats ≤ ${FLEET_MAX_ADDED_P50_GROWTH}× without it`,
        measured: addedP50Growth,
        limit: FLEET_MAX_ADDED_P50_GROWTH,
        unit: '×',
        source: 'fleet',
        met: addedP50Growth <= FLEET_MAX_ADDED_P50_GROWTH,
        held: true,
      },
    ];
    return {
      sessions,
      heartbeatIntervalMs: FLEET_HEARTBEAT_INTERVAL_MS,
      beatsPerSecond,
      registerSeconds: Number(ready.registerSeconds),
      connectSeconds: Number(ready.connectSeconds),
      rssMiB: { before, connected, peak: memory.peak },
      mcpdCpuPercent: { beating: beatingOnly, beatingAndProbed },
      quiet,
      beating: beating!,
      addedP50Growth,
      verdicts,
    };
  } finally {
    memory.stop();
  }
}

/** CPU of process `pid` in % of one core while `work` runs. */
async function cpuPercentDuring(pid: number, work: () => Promise<unknown>): Promise<number | undefined> {
  const before = processCpuSeconds(pid);
  const startedAt = performance.now();
  await work();
  return percentOfCore(cpuBetween(before, processCpuSeconds(pid)), (performance.now() - startedAt) / 1000);
}

/** The most resident memory of a process seen, looked at every 250 ms until `stop`. */
function watchResidentMemory(pid: number, initial: number): { readonly peak: number; stop(): void } {
  let peak = initial;
  const timer = setInterval(() => (peak = Math.max(peak, residentMiB(pid))), 250);
  return {
    get peak() {
      return Math.max(peak, residentMiB(pid));
    },
    stop: () => clearInterval(timer),
  };
}

/** Resident memory of a process in MiB, from `/proc/PID/status`. */
function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new BenchError(`cannot read the resident memory of process ${pid}`);
  return Number(kib) / 1024;
}

function ratio(value: number, base: number): number {
  return base > 0 ? value / base : Number.POSITIVE_INFINITY;
}
