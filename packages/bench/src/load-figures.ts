import { microsecondsPerChunk, sumCpu } from './cpu-accounting.js';
import { summarize, type LatencySummary } from './latency-summary.js';
import type { LoadSlice } from './load-run.js';

/** What the load runs of one path in one scenario saw, all slices together. */
export interface LoadFigures {
  /** 2xx answers per second of measured time. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** How many runs the measured time was split into, alternating with the other path. */
  slices: number;
  /** Whole-response latency of the 2xx answers, at hrtime precision. */
  latencyMs: LatencySummary;
  /**
   * CPU time the path's server processes spent per 2xx answer, in ms; it does not depend on how
   * the cores were shared, so it compares paths more steadily than req/s. Undefined without procfs.
   */
  serverCpuMsPerRequest: number | undefined;
  /** CPU the load generator itself used, in % of one core: near 100 means the client, not the path, was the limit. */
  clientCpuPercent: number;
  /**
   * Streams only: CPU time of the gateway's own processes (not the model server) per streamed
   * chunk, in µs. Undefined for answers that are not streamed, paths without a gateway, or without procfs.
   */
  gatewayCpuMicrosPerChunk: number | undefined;
}

/** Adds the slices of one path up; `chunksPerAnswer` is given for streamed answers, to charge the gateway's CPU per chunk. */
export function combineSlices(slices: readonly LoadSlice[], chunksPerAnswer?: number): LoadFigures {
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let durationSeconds = 0;
  let clientCpuSeconds = 0;
  let serverCpuSeconds: number | undefined = 0;
  let gatewayCpuSeconds: number | undefined = 0;
  const latencies: number[] = [];
  for (const slice of slices) {
    ok += slice.ok;
    non2xx += slice.non2xx;
    errors += slice.errors;
    timeouts += slice.timeouts;
    durationSeconds += slice.durationSeconds;
    clientCpuSeconds += slice.clientCpuSeconds;
    serverCpuSeconds = sumCpu([serverCpuSeconds, slice.serverCpuSeconds]);
    gatewayCpuSeconds = sumCpu([gatewayCpuSeconds, slice.gatewayCpuSeconds]);
    for (const latency of slice.latenciesMs) latencies.push(latency);
  }
  return {
    requestsPerSecond: durationSeconds > 0 ? ok / durationSeconds : 0,
    ok,
    non2xx,
    errors,
    timeouts,
    durationSeconds,
    slices: slices.length,
    latencyMs: summarize(latencies),
    serverCpuMsPerRequest: serverCpuSeconds === undefined || ok === 0 ? undefined : (serverCpuSeconds * 1000) / ok,
    clientCpuPercent: durationSeconds > 0 ? (clientCpuSeconds / durationSeconds) * 100 : 0,
    gatewayCpuMicrosPerChunk: chunksPerAnswer === undefined ? undefined : microsecondsPerChunk(gatewayCpuSeconds, ok * chunksPerAnswer),
  };
}
