import { describe, expect, it } from 'vitest';
import { selectScenarios } from '../src/scenarios.js';

const shapes = (parts: Parameters<typeof selectScenarios>[0], reference = false) =>
  selectScenarios(parts, reference).map((scenario) => `${scenario.path}/${scenario.baseline}/${scenario.connections}/${scenario.streaming ? 's' : 'n'}`);

describe('selectScenarios', () => {
  it('runs the parts in a fixed order, the reference last, and has no load scenario for the wake', () => {
    expect(shapes(['public', 'relay', 'pool', 'wake'])).toEqual([
      'mcpd/direct/1/n', 'mcpd/direct/64/n', 'mcpd/direct/1/s', 'mcpd/direct/64/s',
      'relay/direct/1/n', 'relay/direct/64/n', 'relay/direct/1/s',
      'pool/relay/1/n', 'pool/relay/64/n',
    ]);
    expect(shapes(['wake'])).toEqual([]);
    expect(shapes(['pool'], true)).toEqual(['pool/relay/1/n', 'pool/relay/64/n', 'bare-proxy/direct/1/n', 'bare-proxy/direct/64/n', 'bare-proxy/direct/1/s', 'bare-proxy/direct/64/s']);
  });

  it('holds the relay to its own targets: 6 % at 64 connections, 0.6 ms added, 1 ms to the first token', () => {
    const relay = selectScenarios(['relay'], false).map((scenario) => scenario.targets);
    expect(relay).toEqual([{ maxAddedP50Ms: 0.6 }, { minThroughputRatio: 0.06 }, { maxAddedFirstTokenP50Ms: 1 }]);
  });
});
