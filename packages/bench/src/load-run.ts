import autocannon from 'autocannon';
import { chatRequestBody, requestHeaders, type BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';
import { summarize, type LatencySummary } from './latency-summary.js';
import { totalCpuSeconds } from './process-cpu.js';

export interface LoadRun {
  path: BenchPath;
  connections: number;
  streaming: boolean;
  durationSeconds: number;
}

/** What one autocannon run saw. */
export interface LoadFigures {
  /** 2xx answers per second of measured time. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /**
   * Whole-response latency of the 2xx answers, from the hrtime autocannon's client takes per
   * response. Its own histogram records whole milliseconds, too coarse for sub-ms comparisons.
   */
  latencyMs: LatencySummary;
  /**
   * CPU time the path's server processes spent per 2xx answer, in ms; independent of how the two
   * cores were shared, so it compares paths more fairly than req/s. Undefined without procfs.
   */
  serverCpuMsPerRequest: number | undefined;
  /** CPU the load generator itself used, in % of one core: near 100 means the client, not the path, was the limit. */
  clientCpuPercent: number;
  /** autocannon's own summary, for reference: `requests.average` and its 1 ms-resolution latency percentiles. */
  autocannon: { requestsAverage: number; latencyP50: number; latencyP99: number };
}

const REQUEST_TIMEOUT_SECONDS = 10;

/** Drives `path` with `connections` keep-alive connections for the run's duration; `signal` stops it early. */
export function runLoad(run: LoadRun, signal: AbortSignal): Promise<LoadFigures> {
  if (signal.aborted) return Promise.reject(new BenchError('the run was interrupted'));
  const body = chatRequestBody(run.path, run.streaming);
  const latencies: number[] = [];
  const serverCpuBefore = totalCpuSeconds(run.path.pids);
  const clientCpuBefore = process.cpuUsage();
  return new Promise<LoadFigures>((resolve, reject) => {
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
        const ok = result['2xx'];
        const serverCpuAfter = totalCpuSeconds(run.path.pids);
        const clientCpu = process.cpuUsage(clientCpuBefore);
        const serverCpuSeconds =
          serverCpuBefore === undefined || serverCpuAfter === undefined ? undefined : serverCpuAfter - serverCpuBefore;
        resolve({
          requestsPerSecond: result.duration > 0 ? ok / result.duration : 0,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationSeconds: result.duration,
          latencyMs: summarize(latencies),
          serverCpuMsPerRequest: serverCpuSeconds === undefined || ok === 0 ? undefined : (serverCpuSeconds * 1000) / ok,
          clientCpuPercent: result.duration > 0 ? (clientCpu.user + clientCpu.system) / 1e4 / result.duration : 0,
          autocannon: { requestsAverage: result.requests.average, latencyP50: result.latency.p50, latencyP99: result.latency.p99 },
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
