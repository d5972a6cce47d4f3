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

  it('hands a sink that takes chunks at once a whole read in one turn, with no promise between them', async () => {
    const body = recordingBody();
    const taken: string[] = [];
    let turnsBetween = 0;
    const queue = new ChunkQueue((text) => {
      taken.push(text);
      return 'delivered';
    }, body);
    for (const text of ['a', 'b', 'c']) queue.push(text);
    // A microtask between two takes would run here; one loop leaves no room for it.
    let firstTaken = false;
    const watch = async () => {
      for (let turn = 0; turn < 5; turn += 1) {
        await Promise.resolve();
        if (taken.length > 0 && taken.length < 3) turnsBetween += 1;
        if (taken.length > 0) firstTaken = true;
      }
    };
    await Promise.all([watch(), queue.drained()]);
    expect(firstTaken).toBe(true);
    expect(taken).toEqual(['a', 'b', 'c']);
    expect(turnsBetween).toBe(0);
  });

  it('fails with the error a sink throws at once, and cuts the body', async () => {
    const body = recordingBody();
    const refused = new Error('the socket is closed');
    const queue = new ChunkQueue((text) => {
      if (text === 'b') throw refused;
      return 'delivered';
    }, body);
    queue.push('a');
    queue.push('b');
    queue.push('c');
    await expect(queue.drained()).rejects.toBe(refused);
    expect(body.cutWith).toBe(refused);
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
