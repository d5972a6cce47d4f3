import { describe, expect, it } from 'vitest';
import { chunkEnvelopeOf, stopChunk } from '../src/index.js';

describe('the finish chunk added to a stream whose [DONE] came without one', () => {
  it("takes the envelope of the stream's chunk, and none from text that does not name all of it", () => {
    const envelope = chunkEnvelopeOf('{"id":"c1","object":"chat.completion.chunk","created":5,"model":"m","choices":[]}');
    expect(envelope).toEqual({ id: 'c1', created: 5, model: 'm' });
    expect(stopChunk(envelope!)).toEqual({ id: 'c1', created: 5, model: 'm', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect(chunkEnvelopeOf('{"id":"c1","model":"m"}')).toBeUndefined();
    expect(chunkEnvelopeOf('{"id":')).toBeUndefined();
    expect(chunkEnvelopeOf(undefined)).toBeUndefined();
  });
});
