import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** Where the figures were measured; they mean little without it. */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started: anything else busy on the machine shows here. */
  loadAverageAtStart: number;
}

export function describeMachine(): MachineDescription {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    loadAverageAtStart: loadAverage(),
  };
}

/** The 1-minute load average, to two decimals. */
export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** The machine's CPU time so far, from the `cpu` line of `/proc/stat`, in clock ticks. */
export interface CpuTimes {
  /** Time the hypervisor gave this machine's virtual CPUs to something else while they had work. */
  steal: number;
  /** All of it: user, nice, system, idle, iowait, irq, softirq and steal. */
  total: number;
}

/** Undefined where there is no procfs (not Linux), or it says something else. */
export function readCpuTimes(): CpuTimes | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  return cpuTimesOf(line ?? '');
}

/** Reads the `cpu` line of `/proc/stat` (guest time is already counted in user and nice). */
export function cpuTimesOf(line: string): CpuTimes | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 9) return undefined;
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.some((tick) => !Number.isFinite(tick))) return undefined;
  return { steal: ticks[7] ?? 0, total: ticks.reduce((sum, tick) => sum + tick, 0) };
}

/** The share of the machine's CPU time between two readings that the host took (steal), in %, to one decimal. */
export function stealPercent(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return Math.round(((after.steal - before.steal) / (after.total - before.total)) * 1000) / 10;
}
