import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { CallerSink } from '../src/inference/caller.js';
import { replyCaller } from '../src/routes/reply-caller.js';

/** As much of a ServerResponse as a streamed answer touches: what went out, and how. */
class FakeResponse extends EventEmitter {
  flushes = 0;
  writes: Array<string | Uint8Array> = [];
  writableEnded = false;
  writableFinished = false;
  writableNeedDrain = false;
  destroyed = false;

  writeHead(): this {
    return this;
  }

  flushHeaders(): void {
    this.flushes += 1;
  }

  write(chunk: string | Uint8Array): boolean {
    this.writes.push(chunk);
    return true;
  }

  end(): void {
    this.writableEnded = true;
  }
}

function openStream(): { raw: FakeResponse; sink: CallerSink } {
  const raw = new FakeResponse();
  const reply = { raw, sent: false, hijack: () => undefined } as unknown as FastifyReply;
  return { raw, sink: replyCaller(reply).openStream({}) };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a streamed answer’s head', () => {
  it('goes out with a frame of the turn it opened in, else alone at the turn’s end, once, and never after the answer ended', async () => {
    const framed = openStream();
    const ended = openStream();
    const destroyed = openStream();
    const waiting = openStream();
    framed.sink.write('data: {}\n\n');
    ended.sink.end();
    destroyed.raw.destroyed = true;
    await nextTurn();
    expect([framed, ended, destroyed, waiting].map(({ raw }) => raw.flushes)).toEqual([0, 0, 0, 1]);
    expect(framed.raw.writes).toEqual(['data: {}\n\n']);

    // A later frame writes; the head is not flushed a second time.
    waiting.sink.write('data: {}\n\n');
    await nextTurn();
    expect(waiting.raw.flushes).toBe(1);

    // A stream of a later turn has its own turn's end.
    const later = openStream();
    expect(later.raw.flushes).toBe(0);
    await nextTurn();
    expect(later.raw.flushes).toBe(1);
  });
});
