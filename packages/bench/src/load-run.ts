import autocannon from 'autocannon';
import { chatRequestBody, requestHeaders, type BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';
import { cpuBetween } from './cpu-accounting.js';
import { totalCpuSeconds } from './process-cpu.js';

export interface LoadRun {
  path: BenchPath;
  connections: number;
  streaming: boolean;
  durationSeconds: number;
}

/** The raw counts of one autocannon run; `combineSlices` turns several into figures. */
export interface LoadSlice {
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /**
   * Whole-response latency of every 2xx answer in ms, from the hrtime autocannon's client takes
   * per response. autocannon's own histogram records whole milliseconds, too coarse for sub-ms
   * comparisons, so its percentiles are not used.
   */
  latenciesMs: number[];
  /** CPU seconds the path's server processes used during the run; undefined without procfs. */
  serverCpuSeconds: number | undefined;
  /** The part of it the gateway's own processes used; undefined without procfs or for a path without a gateway. */
  gatewayCpuSeconds: number | undefined;
  /** CPU seconds this process (the load generator) used during the run. */
  clientCpuSeconds: number;
}

const REQUEST_TIMEOUT_SECONDS = 10;
const SAMPLE_INTERVAL_MS = 100;

/** Drives `path` with `connections` keep-alive connections for the run's duration; `signal` stops it early. */
export function runLoad(run: LoadRun, signal: AbortSignal): Promise<LoadSlice> {
  if (signal.aborted) return Promise.reject(new BenchError('the run was interrupted'));
  const body = chatRequestBody(run.path, run.streaming);
  const latenciesMs: number[] = [];
  const serverCpuBefore = totalCpuSeconds(run.path.pids);
  const gatewayCpuBefore = gatewayCpu(run.path);
  const clientCpuBefore = process.cpuUsage();
  return new Promise<LoadSlice>((resolve, reject) => {
    const onAbort = () => instance.stop();
    const instance = autocannon(
      {
        url: run.path.url,
        method: 'POST',
        headers: requestHeaders(run.path),
        body,
        connections: run.connections,
        duration: run.durationSeconds,
        timeout: REQUEST_TIMEOUT_SECONDS,
        // autocannon stops only on its next sample tick: a short tick keeps a slice as long as asked.
        sampleInt: SAMPLE_INTERVAL_MS,
      },
      (error, result) => {
        signal.removeEventListener('abort', onAbort);
        if (error) {
          reject(new BenchError(`autocannon could not run against ${run.path.name}`, { cause: error }));
          return;
        }
        if (signal.aborted) {
          reject(new BenchError('the run was interrupted'));
          return;
        }
        const serverCpuAfter = totalCpuSeconds(run.path.pids);
        const gatewayCpuAfter = gatewayCpu(run.path);
        const clientCpu = process.cpuUsage(clientCpuBefore);
        resolve({
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationSeconds: result.duration,
          latenciesMs,
          serverCpuSeconds: cpuBetween(serverCpuBefore, serverCpuAfter),
          gatewayCpuSeconds: cpuBetween(gatewayCpuBefore, gatewayCpuAfter),
          clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function gatewayCpu(path: BenchPath): number | undefined {
  return path.gatewayPids.length === 0 ? undefined : totalCpuSeconds(path.gatewayPids);
}
