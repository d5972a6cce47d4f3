import { describe, expect, it } from 'vitest';
import type { BenchReport, ScenarioResult } from '../src/bench-report.js';
import { evaluateTargets } from '../src/evaluate-targets.js';
import { summarize } from '../src/latency-summary.js';
import type { LoadFigures } from '../src/load-figures.js';
import { burstVerdicts, type TransportBurst } from '../src/measure-streams-burst.js';
import { formatReport } from '../src/print-report.js';
import { busyHostWarnings, transportWarnings } from '../src/run-bench.js';
import { cpuTimesOf, stealPercent } from '../src/machine.js';
import { REFERENCE_SCENARIOS, relayScenarios, scenarioLabel, TWO_BARE_HOPS_PATH, type Scenario } from '../src/scenarios.js';
import type { ProbeComparison } from '../src/sequential-probe.js';
import { summarizeWake, wakeSample, type WakeFigures } from '../src/wake-overhead.js';

const load = (requestsPerSecond: number, latencies: number[], problems: Partial<LoadFigures> = {}): LoadFigures => ({
  requestsPerSecond,
  ok: Math.round(requestsPerSecond * 5),
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  durationSeconds: 5,
  slices: 5,
  latencyMs: summarize(latencies),
  serverCpuMsPerRequest: 0.2,
  clientCpuPercent: 40,
  gatewayCpuMicrosPerChunk: undefined,
  ...problems,
});

const oneConnection: Scenario = { path: 'mcpd', baseline: 'direct', connections: 1, streaming: false, sequentialProbe: true, targets: { maxAddedP50Ms: 0.25 } };
const manyConnections: Scenario = { ...oneConnection, connections: 64, sequentialProbe: false, targets: { minThroughputRatio: 0.12 } };

const probe = (added: number): ProbeComparison => ({
  pairs: 3,
  baseline: { totalMs: summarize([0.2, 0.2, 0.2]), firstTokenMs: undefined, failures: 0 },
  path: { totalMs: summarize([0.2 + added, 0.2 + added, 0.2 + added]), firstTokenMs: undefined, failures: 0 },
  addedMs: { p50: added, p99: added },
  pairedAddedP50Ms: added,
  addedFirstTokenMs: undefined,
});

describe('evaluateTargets', () => {
  it('holds throughput to the ratio against the baseline of the same run', () => {
    const [met] = evaluateTargets(manyConnections, { baseline: load(10_000, [1]), path: load(1_200, [2]), probe: undefined });
    const [missed] = evaluateTargets(manyConnections, { baseline: load(10_000, [1]), path: load(1_199, [2]), probe: undefined });
    expect(met).toMatchObject({ met: true, unit: '%', limit: 12 });
    expect(met!.measured).toBeCloseTo(12, 10);
    expect(missed!.met).toBe(false);
  });

  it('holds the added time to first token to its own limit, and misses it without a probe of a stream', () => {
    const streaming: Scenario = { ...oneConnection, path: 'relay', streaming: true, targets: { maxAddedFirstTokenP50Ms: 1 } };
    const figures = { baseline: load(5000, [0.1]), path: load(100, [9]) };
    const streamProbe = { ...probe(8), addedFirstTokenMs: { p50: 0.9, p99: 3 } };
    const [met] = evaluateTargets(streaming, { ...figures, probe: streamProbe });
    expect(met).toMatchObject({ met: true, measured: 0.9, limit: 1, unit: 'ms', source: 'sequential probe, first token' });
    expect(met!.target).toBe('relay adds ≤ 1 ms to the first token at p50 over direct (streaming, 1 connection)');
    expect(evaluateTargets(streaming, { ...figures, probe: { ...streamProbe, addedFirstTokenMs: { p50: 1.2, p99: 3 } } })[0]!.met).toBe(false);
    expect(evaluateTargets(streaming, { ...figures, probe: undefined })[0]!.met).toBe(false);
  });

  it('reads the relay\'s throughput as × the public path\'s and holds its CPU per streamed chunk to its limit', () => {
    const relayed: Scenario = {
      ...manyConnections,
      path: 'relay-websocket',
      baseline: 'mcpd',
      streaming: true,
      ratioAs: '×',
      targets: { minThroughputRatio: 0.6, maxGatewayCpuPerChunkMicros: 40 },
    };
    const [ratio, cpu] = evaluateTargets(relayed, { baseline: load(1000, [5]), path: load(650, [7], { gatewayCpuMicrosPerChunk: 41 }), probe: undefined });
    expect(ratio).toMatchObject({ met: true, measured: 0.65, limit: 0.6, unit: '×', target: "relay-websocket throughput ≥ 0.6× mcpd's (streaming, 64 connections)" });
    expect(cpu).toMatchObject({ met: false, measured: 41, limit: 40, unit: 'µs' });
    // Without a CPU figure (no procfs) the target cannot be met.
    expect(evaluateTargets(relayed, { baseline: load(1000, [5]), path: load(650, [7]), probe: undefined })[1]!.met).toBe(false);
  });

  it('takes added latency from the sequential probe when there is one', () => {
    const figures = { baseline: load(5000, [0.1]), path: load(2000, [0.2]) };
    expect(evaluateTargets(oneConnection, { ...figures, probe: probe(0.3) })[0]).toMatchObject({ met: false, measured: 0.3 });
    const [fromLoad] = evaluateTargets(oneConnection, { ...figures, probe: undefined });
    expect(fromLoad!.met).toBe(true);
    expect(fromLoad!.measured).toBeCloseTo(0.1, 10);
  });
});

describe('formatReport', () => {
  const result = (scenario: Scenario, path: LoadFigures, withProbe: ProbeComparison | undefined, problems: string[] = []): ScenarioResult => {
    const baseline = load(10_000, [0.12, 0.15, 0.3]);
    return {
      scenario,
      baseline,
      path,
      throughputRatio: path.requestsPerSecond / baseline.requestsPerSecond,
      addedP50Ms: path.latencyMs.p50 - baseline.latencyMs.p50,
      probe: withProbe,
      verdicts: evaluateTargets(scenario, { baseline, path, probe: withProbe }),
      problems,
    };
  };
  const report = (results: ScenarioResult[], wake?: WakeFigures): BenchReport => ({
    command: 'npm run bench',
    date: '2026-01-01T00:00:00.000Z',
    machine: { cpuModel: 'test cpu', cores: 2, memoryGiB: 8, os: 'linux', node: 'v20.0.0', loadAverageAtStart: 0.1 },
    loadAverageAtEnd: 1.5,
    stealPercent: 0.4,
    settings: {
      durationSeconds: 5,
      warmupSeconds: 1,
      probeSamples: 3,
      tokenCount: 16,
      reference: false,
      cpuProfileDir: undefined,
      parts: ['public', 'wake'],
      wakeSamples: 2,
      wakeDelaysMs: [500],
      transports: ['sse', 'websocket'],
      streams: 500,
      fleetSessions: 10_000,
    },
    results,
    transports: [],
    wake,
    streamsBurst: undefined,
    fleet: undefined,
    problems: results.flatMap((entry) => entry.problems),
    warnings: [],
  });

  it('prints figures to 0.01 ms, the ratio and each verdict', () => {
    const text = formatReport(
      report([result(oneConnection, load(2_500, [0.43, 0.5, 0.9]), probe(0.31)), result(manyConnections, load(3_000, [5, 6, 9]), undefined)]),
    );
    expect(text).toContain('| non-streaming |     1 |        10000 |       2500 | 25.0 % |         0.15/0.30 |       0.50/0.90 |         0.35 |');
    expect(text).toMatch(/MISSED +mcpd adds ≤ 0\.25 ms at p50 over direct \(non-streaming, 1 connection\): 0\.31 ms/);
    expect(text).toMatch(/met +mcpd throughput ≥ 12 % of direct \(non-streaming, 64 connections\): 30\.0 %/);
    expect(text).not.toContain('!!!');
  });

  it('prints where a wake\'s wait went, each sample, and the wake target among the others', () => {
    const at = (readyAt: number) => ({ sentAt: 0, wakeCalledAt: 5, readyAt, detectedAt: readyAt + 120, answeredAt: readyAt + 140 });
    const wake = summarizeWake([wakeSample('bench-wake-1', 500, 200, at(505)), wakeSample('bench-wake-2', 500, 200, at(506))], 300);
    const text = formatReport(report([result(oneConnection, load(2_500, [0.43, 0.5, 0.9]), probe(0.2))], wake));
    expect(text).toContain('wake: 2 hibernating LLMs, one request each, backend up 500 ms after its wake call');
    expect(text).toMatch(/\| backend ready → answer \(the overhead\) +\| +140\.0 \| +140\.0 \| +140\.0 \|/);
    expect(text).toMatch(/\| bench-wake-2 \| +200 \| +500 \| +5\.0 \| +501\.0 \| +120\.0 \| +140\.0 \| +646\.0 \|/);
    expect(text).toMatch(/met +a relayed answer ≤ 300 ms at p50 after the backend is ready \(wake of a hibernating LLM\): 140\.00 ms/);
  });

  it('names the transport each relay\'s session used and prints the streams500 burst beside its direct baseline', () => {
    const relayed: Scenario = { ...manyConnections, path: 'relay-sse', baseline: 'mcpd', streaming: true, ratioAs: '×', targets: { minThroughputRatio: 0.6 }, fallback: true };
    const burst = (path: string, transport: TransportBurst['transport'], p99: number): TransportBurst => ({
      path,
      transport,
      streams: 500,
      inOrder: 500,
      failures: [],
      failureCount: 0,
      tokens: 30_500,
      chunks: 31_500,
      wallSeconds: 3.2,
      addedFirstTokenMs: summarize([1, 2]),
      addedInterTokenMs: summarize([0.5, p99]),
      cpu: [{ name: 'mcpd', pid: 1, gateway: true, seconds: 0.8, percentOfCore: 25 }],
      gatewayMicrosPerChunk: transport ? 25.4 : undefined,
    });
    const directBurst = burst('paced-direct', undefined, 2);
    const relayBurst = burst('paced-relay-sse', { asked: 'sse', used: 'sse' }, 61);
    const text = formatReport({
      ...report([result(relayed, load(6_000, [7, 8, 9]), undefined)]),
      transports: [{ path: 'relay-sse', llm: 'bench-relay-sse', asked: 'sse', used: 'sse', usedAtEnd: 'sse' }],
      streamsBurst: { streams: 500, wordsPerStream: 60, tokensPerSecond: 20, bursts: [directBurst, relayBurst], verdicts: burstVerdicts(relayBurst), problems: [] },
    });
    expect(text).toContain('relay-sse: mcplocal with MCPLOCAL_PROVIDER_TRANSPORT=sse; mcpd says its session used sse at the start, sse at the end');
    expect(text).toContain('relay-sse vs mcpd (session transport per mcpd: sse): load');
    expect(text).toMatch(/\| streaming +\| +64 \| +10000 \| +6000 \| +0\.60× \|/);
    expect(text).toMatch(/\| paced-direct +\| direct +\| +500\/500 \| +30500 \| +3\.2 \| +1\.0\/2\.0 \| +0\.5\/2\.0\/2\.0 \| mcpd 0\.80 \(25 %\) +\| +n\/a \|/);
    expect(text).toMatch(/\| paced-relay-sse +\| sse +\| +500\/500 \|.*\| +25\.4 \|/);
    // The fallback owes its callers every token in order like any transport: that stays a target.
    const [targets, fallback] = text.split(/^the sse fallback beside the same targets .*:$/m);
    expect(targets).toMatch(/met +paced-relay-sse delivers every token of every stream, in order \(500 streams at once at 20 tokens\/s\): 500\/500 streams/);
    // Its speed is shown beside the provider socket's targets, not held to them.
    expect(fallback).toMatch(/^ {2}beyond +paced-relay-sse adds ≤ 50 ms between tokens at p99, beyond the pacing .*: 61\.00 ms/m);
    expect(fallback).toMatch(/^ {2}within +relay-sse throughput ≥ 0\.6× mcpd's \(streaming, 64 connections\): 0\.60×/m);
    expect(targets).not.toMatch(/MISSED/);
  });

  it('holds the provider socket to the targets and shows the fallback transport beside them', () => {
    const [, , sseStreams] = relayScenarios('sse');
    const [, , socketStreams] = relayScenarios('websocket');
    const figures = { baseline: load(2_000, [1]), path: load(200, [5], { gatewayCpuMicrosPerChunk: 380 }), probe: undefined };
    expect(evaluateTargets(sseStreams!, figures).map((verdict) => verdict.held)).toEqual([false, false, false]);
    expect(evaluateTargets(socketStreams!, figures).map((verdict) => [verdict.held, verdict.met])).toEqual([[true, false], [true, false], [true, false]]);
  });

  it('prints the floor of two bare proxies beside the relay\'s CPU per chunk at each connection count, and nothing without it', () => {
    const [, , socketOne, socketMany] = relayScenarios('websocket');
    const [, , , , twoHopsOne, twoHopsMany] = REFERENCE_SCENARIOS;
    expect([twoHopsOne?.path, twoHopsMany?.path]).toEqual([TWO_BARE_HOPS_PATH, TWO_BARE_HOPS_PATH]);
    const results = [
      result(socketOne!, load(900, [1]), undefined),
      result(socketMany!, load(2_400, [20]), undefined),
      result(twoHopsOne!, load(1_800, [0.5]), undefined),
      result(twoHopsMany!, load(5_000, [12]), undefined),
    ];
    const perChunk = [55.2, 30.8, 33.4, 12.1];
    results.forEach((entry, index) => (entry.path.gatewayCpuMicrosPerChunk = perChunk[index]));
    const text = formatReport(report(results));
    expect(text).toContain('floor under the relay (two bare Node.js proxies chained, no gateway work; CPU of both per streamed chunk):');
    expect(text).toContain('  1 connection: 33.4 µs per streamed chunk, beside relay-websocket 55.2 µs (target ≤ 40 µs)');
    expect(text).toContain('  64 connections: 12.1 µs per streamed chunk, beside relay-websocket 30.8 µs (target ≤ 40 µs)');
    // The floor comes before the verdicts it explains.
    expect(text.indexOf('floor under the relay')).toBeLessThan(text.indexOf('targets:'));
    expect(formatReport(report(results.slice(0, 2)))).not.toContain('floor under the relay');
  });

  it('warns when a relay\'s session used another transport than its mcplocal was asked for', () => {
    expect(transportWarnings([{ path: 'relay-websocket', llm: 'x', asked: 'websocket', used: 'websocket', usedAtEnd: 'websocket' }])).toEqual([]);
    expect(transportWarnings([{ path: 'relay-websocket', llm: 'x', asked: 'websocket', used: 'sse', usedAtEnd: 'sse' }])).toEqual([
      'relay-websocket (mcplocal with MCPLOCAL_PROVIDER_TRANSPORT=websocket) measured a session on sse: its figures are not those of websocket',
    ]);
    expect(transportWarnings([{ path: 'relay-websocket', llm: 'x', asked: 'websocket', used: 'websocket', usedAtEnd: null }])[0]).toContain(
      'on websocket at the start and no transport mcpd names at the end',
    );
  });

  it("reads the host's steal from /proc/stat, prints it beside the load average, and warns when the host took more than 2 %", () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const before = cpuTimesOf('cpu  1000 10 200 5000 5 0 30 60 0 0');
    const after = cpuTimesOf('cpu  1800 10 300 5600 5 0 40 560 0 0');
    expect(before).toEqual({ steal: 60, total: 6305 });
    expect(stealPercent(before, after)).toBe(24.9);
    expect(stealPercent(before, before)).toBeUndefined();
    expect(cpuTimesOf('intr 1 2 3')).toBeUndefined();
    expect(busyHostWarnings(undefined)).toEqual([]);
    expect(busyHostWarnings(2)).toEqual([]);
    expect(busyHostWarnings(23.8)[0]).toMatch(/^the host took 23\.8 % of this machine's CPU time during the run \(steal\)/);
    expect(formatReport(report([]))).toContain('load average 0.1 at start, 1.5 at end, host steal 0.4 % of the CPU time during the run');
    // A short scenario's steal hides in a long run's share: it is named on its own.
    const hit = { ...result(oneConnection, load(2_500, [0.43, 0.5, 0.9]), probe(0.31)), stealPercent: 9 };
    expect(busyHostWarnings(0.4, [hit, { ...hit, stealPercent: 1 }])).toEqual([
      `${oneConnection.path} vs ${oneConnection.baseline}, ${scenarioLabel(oneConnection)}, 1 conn: the host took 9 % of the CPU time during its runs (steal); read its figures with that in mind`,
    ]);
    // Each scenario's own share, for telling which figures the host slowed.
    const stolen = { ...result(oneConnection, load(2_500, [0.43, 0.5, 0.9]), probe(0.31)), stealPercent: 7.25 };
    const text = formatReport(report([stolen]));
    expect(text).toMatch(/\| host steal % \|/);
    expect(text).toMatch(/\| +7\.3 \|\n/);
  });

  it('says loudly when a run had errors', () => {
    const failing = load(100, [1], { non2xx: 40, errors: 2 });
    const text = formatReport(report([result(manyConnections, failing, undefined, ['non-streaming, 64 conn, mcpd: 500 ok, 40 non-2xx, 2 errors, 0 timeouts'])]));
    expect(text).toContain('!!! THIS RUN HAD ERRORS');
    expect(text).toContain('!!!   non-streaming, 64 conn, mcpd: 500 ok, 40 non-2xx');
    expect(text).toMatch(/\| +40\/2 \|/);
  });
});
