import { describe, expect, it } from 'vitest';
import { ChunkEnvelopeCompleter } from '../src/openai/chunk-envelope-completer.js';

const fill = { id: 'chatcmpl-mcplocal', created: 1_800_000_000, model: 'qwen3' };

describe('ChunkEnvelopeCompleter', () => {
  it('passes a whole chunk as the server wrote it, compact or spaced', () => {
    const envelopes = new ChunkEnvelopeCompleter(fill);
    const spaced = '{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}';
    expect(envelopes.text(spaced)).toBe(spaced);
    const compact = '{"choices":[],"created":1,"id":"c1","model":"m","object":"chat.completion.chunk"}';
    expect(envelopes.text(compact)).toBe(compact);
    // A key's name inside text is not the key.
    const quoted = '{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"\\"created\\": 5"}}]}';
    expect(JSON.parse(envelopes.text(quoted))).toMatchObject({ created: fill.created });
  });

  it('fills in only what a chunk lacks, and passes whole ones as written', () => {
    const envelopes = new ChunkEnvelopeCompleter(fill);
    // Azure's prompt filter results: an empty object and id, created 0.
    const filter = '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}';
    expect(JSON.parse(envelopes.text(filter))).toEqual({ choices: [], created: 0, id: '', model: '', object: 'chat.completion.chunk', prompt_filter_results: [] });
    // Gemini's: no created.
    const gemini = '{"id":"g","object":"chat.completion.chunk","model":"gemini","choices":[{"index":0,"delta":{"content":"é"}}],"extra":1.50}';
    expect(JSON.parse(envelopes.text(gemini))).toEqual({ id: 'g', object: 'chat.completion.chunk', model: 'gemini', created: fill.created, choices: [{ index: 0, delta: { content: 'é' } }], extra: 1.5 });
    const whole = '{"id": "g", "object": "chat.completion.chunk", "created": 2, "model": "gemini", "choices": []}';
    expect(envelopes.text(whole)).toBe(whole);
    const bare = '{"choices":[]}';
    expect(JSON.parse(envelopes.text(bare))).toEqual({ choices: [], ...fill, object: 'chat.completion.chunk' });
  });

  it('answers text that is not a JSON object as it came, for the reader to refuse', () => {
    const envelopes = new ChunkEnvelopeCompleter(fill);
    expect(envelopes.text('not json')).toBe('not json');
    expect(envelopes.text('[1,2]')).toBe('[1,2]');
    expect(envelopes.text('null')).toBe('null');
  });

  it('completes a chunk already read in place, saying whether it did', () => {
    const envelopes = new ChunkEnvelopeCompleter(fill);
    const chunk: Record<string, unknown> = { id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [] };
    expect(envelopes.chunk(chunk)).toBe(true);
    expect(chunk.created).toBe(fill.created);
    expect(envelopes.chunk(chunk)).toBe(false);
  });
});
