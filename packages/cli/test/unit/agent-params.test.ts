import { describe, expect, it } from 'vitest';
import { formatParams, parseParam } from '../../src/resources/agent/agent-params.js';

describe('--param key=value', () => {
  it.each([
    ['temperature=0.2', { temperature: 0.2 }],
    ['max_tokens=512', { max_tokens: 512 }],
    ['stop=["x","y"]', { stop: ['x', 'y'] }],
    ['logprobs=true', { logprobs: true }],
    ['seed=null', { seed: null }],
    ['response_format={"type":"json_object"}', { response_format: { type: 'json_object' } }],
    ['reasoning_effort=high', { reasoning_effort: 'high' }],
    ['prefix=a=b', { prefix: 'a=b' }],
    ['note=', { note: '' }],
    ['model_hint=gpt 4', { model_hint: 'gpt 4' }],
  ])('%s', (text, expected) => {
    expect(parseParam(text)).toEqual(expected);
  });

  it('accumulates repeated flags, a later value of a key winning', () => {
    const params = ['temperature=0.2', 'top_p=0.9', 'temperature=0.7'].reduce<Record<string, unknown>>(
      (previous, text) => parseParam(text, previous),
      {},
    );
    expect(params).toEqual({ temperature: 0.7, top_p: 0.9 });
  });

  it.each(['temperature', '=0.2', ' =1'])('rejects %j without a key', (text) => {
    expect(() => parseParam(text)).toThrow('expected key=value, e.g. temperature=0.2');
  });

  it('prints parameters in the syntax it reads', () => {
    const params = { temperature: 0.2, stop: ['END'], reasoning_effort: 'high', version: '2' };
    const printed = formatParams(params);
    expect(printed).toBe('reasoning_effort=high,stop=["END"],temperature=0.2,version="2"');
    const reread = printed.split(/,(?=[a-z_]+=)/).reduce<Record<string, unknown>>((previous, text) => parseParam(text, previous), {});
    expect(reread).toEqual(params);
  });
});
