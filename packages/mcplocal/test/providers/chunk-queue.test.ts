import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../src/providers/chunk-queue.js';

/** A body that records what the queue asked of it. */
function recordingBody() {
  const calls: string[] = [];
  let cutWith: Error | undefined;
  return {
    calls,
    get cutWith() {
      return cutWith;
    },
    pause: () => void calls.push('pause'),
    resume: () => void calls.push('resume'),
    cut: (reason?: Error) => {
      calls.push('cut');
      cutWith = reason;
    },
  };
}

/** A sink whose every chunk waits until `release` lets it through. */
function gatedSink() {
  const taken: string[] = [];
  const gates: Array<() => void> = [];
  return {
    taken,
    sink: (text: string) =>
      new Promise<void>((resolve) => {
        taken.push(text);
        gates.push(resolve);
      }),
    async releaseAll() {
      while (gates.length > 0) {
        gates.shift()?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe('ChunkQueue', () => {
  it('hands the chunks of one read on after the read, in order', async () => {
    const body = recordingBody();
    const taken: string[] = [];
    const queue = new ChunkQueue(async (text) => taken.push(text), body);
    queue.push('a');
    queue.push('b');
    // Nothing goes out while the read that brought them is still being split.
    expect(taken).toEqual([]);
    await queue.drained();
    expect(taken).toEqual(['a', 'b']);
    expect(body.calls).toEqual([]);
  });

  it('holds the body once 64 chunks wait and lets it go once they are taken', async () => {
    const body = recordingBody();
    const gate = gatedSink();
    const queue = new ChunkQueue(gate.sink, body);
    const texts = Array.from({ length: 100 }, (_, index) => `c${index}`);
    for (const text of texts) queue.push(text);
    expect(body.calls).toEqual(['pause']);
    await new Promise((resolve) => setImmediate(resolve));
    await gate.releaseAll();
    await queue.drained();
    expect(gate.taken).toEqual(texts);
    expect(body.calls).toEqual(['pause', 'resume']);
  });

  it("cuts the body with the sink's failure and drops what waits", async () => {
    const body = recordingBody();
    const refused = new Error('the socket closed');
    const taken: string[] = [];
    const queue = new ChunkQueue(async (text) => {
      taken.push(text);
      if (text === 'b') throw refused;
    }, body);
    for (const text of ['a', 'b', 'c', 'd']) queue.push(text);
    await expect(queue.drained()).rejects.toBe(refused);
    expect(taken).toEqual(['a', 'b']);
    expect(body.cutWith).toBe(refused);
    expect(queue.failure).toBe(refused);
    queue.push('e');
    await expect(queue.drained()).rejects.toBe(refused);
    expect(taken).toEqual(['a', 'b']);
  });
});
