export { startBareProxy } from './bare-proxy.js';
export type { BareProxy, BareProxyOptions } from './bare-proxy.js';
export { measureAlternating } from './alternating-load.js';
export type { AlternationSettings, LoadShape } from './alternating-load.js';
export { BENCH_PARTS, BENCH_USAGE, parseBenchArguments } from './bench-options.js';
export type { BenchOptions, BenchPart } from './bench-options.js';
export { chatRequestBody, requestHeaders } from './bench-path.js';
export type { BenchPath } from './bench-path.js';
export { keepProcess } from './bench-process.js';
export type { BenchProcess, StartedChild } from './bench-process.js';
export type { BenchReport, ScenarioResult, TargetVerdict } from './bench-report.js';
export { startBenchEnvironment } from './bench-environment.js';
export type { BenchEnvironment, EnvironmentNeeds, RelayTransportUse } from './bench-environment.js';
export { checkPathsAgree } from './check-paths.js';
export { CleanupStack } from './cleanup-stack.js';
export { cpuBetween, microsecondsPerChunk, percentOfCore, sumCpu } from './cpu-accounting.js';
export { BenchError, BenchUsageError } from './errors.js';
export { evaluateTargets } from './evaluate-targets.js';
export { chunkContent, FirstContentDetector } from './first-content-detector.js';
export { nearestRank, summarize } from './latency-summary.js';
export type { LatencySummary } from './latency-summary.js';
export { combineSlices } from './load-figures.js';
export type { LoadFigures } from './load-figures.js';
export { runLoad } from './load-run.js';
export type { LoadRun, LoadSlice } from './load-run.js';
export { describeMachine, loadAverage } from './machine.js';
export type { MachineDescription } from './machine.js';
export { writeMcplocalHome } from './mcplocal-home.js';
export { burstVerdicts, measureStreamsBurst } from './measure-streams-burst.js';
export type { StreamsBurstResult, StreamsBurstSetup, TransportBurst } from './measure-streams-burst.js';
export { measureWake, WAKE_TARGET_P50_MS, wakeDelayFor } from './measure-wake.js';
export type { WakeSettings } from './measure-wake.js';
export { formatReport, measuredText } from './print-report.js';
export { formatStreamsBurst } from './print-streams-burst.js';
export { formatWake } from './print-wake.js';
export { processCpuSeconds, totalCpuSeconds } from './process-cpu.js';
export { readLlmView, sessionTransport, waitForOpenSession } from './provider-session.js';
export type { McpdAccess } from './provider-session.js';
export { registerLlm } from './register-llm.js';
export { pacedLlmName, pacedRelayPathName, POOL_MEMBERS, POOL_NAME, relayLlmName, startRelayPublisher } from './relay-publisher.js';
export type { RelayPublisher, RelaySetup, UpstreamProcess } from './relay-publisher.js';
export { runBench, transportWarnings } from './run-bench.js';
export type { BenchRun } from './run-bench.js';
export { runScenario, sliceRuns } from './run-scenario.js';
export type { Progress, RunSettings } from './run-scenario.js';
export {
  POOL_BASELINE_TRANSPORT,
  POOL_SCENARIOS,
  PUBLIC_SCENARIOS,
  REFERENCE_SCENARIOS,
  relayPathName,
  relayScenarios,
  scenarioLabel,
  selectScenarios,
} from './scenarios.js';
export type { Scenario, ScenarioTargets } from './scenarios.js';
export { probeSequentially } from './sequential-probe.js';
export type { AddedLatency, ProbeComparison, ProbeFigures, ProbeSettings } from './sequential-probe.js';
export { BARE_PROXY_MAIN, spawnBareProxy } from './spawn-bare-proxy.js';
export { SseDataReader } from './sse-data-reader.js';
export { runStreamBurst, streamWords } from './stream-burst.js';
export type { BurstSettings, StreamRecord } from './stream-burst.js';
export { addedGapsMs, expectedTokens, streamProblem, summarizeBurst } from './stream-burst-figures.js';
export type { BurstFigures, ProcessCpu } from './stream-burst-figures.js';
export * from './streams-burst-settings.js';
export type { SpawnedBareProxy } from './spawn-bare-proxy.js';
export { formatTable } from './text-table.js';
export type { Alignment, Column } from './text-table.js';
export { prepareRequest, timeRequest } from './timed-request.js';
export type { PreparedRequest, Timing } from './timed-request.js';
export { summarizeWake, wakeSample } from './wake-overhead.js';
export type { WakeFigures, WakeInstants, WakeSample } from './wake-overhead.js';
