import { describe, expect, it } from 'vitest';
import { sliceRuns } from '../src/run-scenario.js';
import { selectScenarios } from '../src/scenarios.js';

const shapes = (parts: Parameters<typeof selectScenarios>[0], reference = false, transports: Parameters<typeof selectScenarios>[2] = ['sse', 'websocket']) =>
  selectScenarios(parts, reference, transports).map((scenario) => `${scenario.path}/${scenario.baseline}/${scenario.connections}/${scenario.streaming ? 's' : 'n'}`);

describe('selectScenarios', () => {
  it('runs the parts in a fixed order, the relay once per transport, the reference last, and has no load scenario for the wake or streams500', () => {
    expect(shapes(['public', 'relay', 'pool', 'wake', 'streams500'])).toEqual([
      'mcpd/direct/1/n', 'mcpd/direct/64/n', 'mcpd/direct/1/s', 'mcpd/direct/64/s', 'mcpd/bare-proxy/1/s', 'mcpd/bare-proxy/64/s',
      'relay-sse/mcpd/1/n', 'relay-sse/mcpd/64/n', 'relay-sse/mcpd/1/s', 'relay-sse/mcpd/64/s',
      'relay-websocket/mcpd/1/n', 'relay-websocket/mcpd/64/n', 'relay-websocket/mcpd/1/s', 'relay-websocket/mcpd/64/s',
      'pool/relay-websocket/1/n', 'pool/relay-websocket/64/n',
    ]);
    expect(shapes(['wake', 'streams500'])).toEqual([]);
    expect(shapes(['relay'], false, ['websocket'])).toEqual(['relay-websocket/mcpd/1/n', 'relay-websocket/mcpd/64/n', 'relay-websocket/mcpd/1/s', 'relay-websocket/mcpd/64/s']);
    expect(shapes(['pool'], true)).toEqual(['pool/relay-websocket/1/n', 'pool/relay-websocket/64/n', 'bare-proxy/direct/1/n', 'bare-proxy/direct/64/n', 'bare-proxy/direct/1/s', 'bare-proxy/direct/64/s', 'bare-2hop/bare-proxy/1/s', 'bare-2hop/bare-proxy/64/s']);
  });

  it('holds the public streams to 60 % of the bare proxy at 64 connections', () => {
    const overBare = selectScenarios(['public'], false, []).filter((scenario) => scenario.baseline === 'bare-proxy');
    expect(overBare.map((scenario) => scenario.targets)).toEqual([{}, { minThroughputRatio: 0.6 }]);
  });

  it('gives each transport of the relay the issue\'s targets against the public path, ratios read as ×, and marks the SSE + POST fallback as shown only', () => {
    const relay = selectScenarios(['relay'], false, ['sse']);
    expect(relay.every((scenario) => scenario.ratioAs === '×')).toBe(true);
    expect(relay.map((scenario) => scenario.fallback)).toEqual([true, true, true, true]);
    expect(selectScenarios(['relay'], false, ['websocket']).map((scenario) => scenario.fallback)).toEqual([false, false, false, false]);
    expect(relay.map((scenario) => scenario.targets)).toEqual([
      { maxAddedP50Ms: 0.5 },
      {},
      { minThroughputRatio: 0.5, maxAddedFirstTokenP50Ms: 0.5, maxGatewayCpuPerChunkMicros: 40 },
      { minThroughputRatio: 0.6, maxGatewayCpuPerChunkMicros: 40 },
    ]);
  });
});

describe('sliceRuns', () => {
  it('cuts the measured time into runs of about the slice length, and never into runs shorter than it', () => {
    expect(sliceRuns(5, 1)).toEqual({ slices: 5, durationSeconds: 5 });
    expect(sliceRuns(5, 2.5)).toEqual({ slices: 2, durationSeconds: 5 });
    expect(sliceRuns(6, 2.5)).toEqual({ slices: 2, durationSeconds: 6 });
    // A relayed stream at 64 connections can take over a second: a 1 s run would count none of them.
    expect(sliceRuns(1, 2.5)).toEqual({ slices: 1, durationSeconds: 2.5 });
  });
});
