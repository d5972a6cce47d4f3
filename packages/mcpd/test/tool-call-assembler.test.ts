import { describe, expect, it } from 'vitest';
import { ToolCallAssembler } from '../src/inference/tool-call-assembler.js';

describe('ToolCallAssembler', () => {
  it('puts each call together from its deltas, in index order, whether the server names the function once or in every delta', () => {
    const calls = new ToolCallAssembler();
    expect(calls.calls).toBeUndefined();
    calls.add([{ index: 1, id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '' } }]);
    calls.add([{ index: 0, id: 'call_a', function: { name: 'get_weather', arguments: '{"city":' } }]);
    calls.add([{ index: 0, function: { name: 'get_weather', arguments: '"Oslo"}' } }]);
    calls.add([{ index: 1, function: { arguments: '{}' } }]);
    expect(calls.calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{}' } },
    ]);
  });

  it('gives a call its server left without an id one, so a tool result can answer it', () => {
    const calls = new ToolCallAssembler();
    calls.add([{ index: 0, function: { name: 'f', arguments: '{}' } }]);
    expect(calls.calls).toEqual([{ id: 'call_0', type: 'function', function: { name: 'f', arguments: '{}' } }]);
  });
});
