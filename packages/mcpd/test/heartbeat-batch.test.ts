import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { HeartbeatBatch } from '../src/services/heartbeat-batch.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/* A fleet's heartbeats written a window at a time (issue 14 item 7). */
describe('HeartbeatBatch', () => {
  it('writes the beats of a window together, once, when the window ends', async () => {
    const clock = new ManualClock();
    const writes: string[][] = [];
    const batch = new HeartbeatBatch(clock, 100, (ids) => {
      writes.push(ids);
      return Promise.resolve();
    });
    let written = 0;
    for (const id of ['a', 'b', 'a', 'c']) void batch.add(id).then(() => (written += 1));
    await settle();
    expect(writes).toEqual([]);
    await clock.advanceAsync(100);
    await settle();
    expect(writes).toEqual([['a', 'b', 'c']]);
    expect(written).toBe(4);
    // Nothing gathered: the next window writes nothing until a beat comes.
    await clock.advanceAsync(1_000);
    expect(writes).toHaveLength(1);
  });

  it('writes at once when asked, and never runs two writes at the same time', async () => {
    const clock = new ManualClock();
    const writes: string[][] = [];
    let release: () => void = () => undefined;
    let running = 0;
    let most = 0;
    const batch = new HeartbeatBatch(clock, 100, (ids) => {
      writes.push(ids);
      running += 1;
      most = Math.max(most, running);
      return new Promise<void>((resolve) => {
        release = () => {
          running -= 1;
          resolve();
        };
      });
    });
    void batch.add('a');
    const first = batch.flush();
    await settle();
    void batch.add('b');
    const second = batch.flush();
    await settle();
    expect(writes).toEqual([['a']]);
    let settled = false;
    void batch.settled().then(() => (settled = true));
    release();
    await first;
    await settle();
    expect(writes).toEqual([['a'], ['b']]);
    expect(settled).toBe(false);
    release();
    await second;
    await settle();
    expect(settled).toBe(true);
    expect(most).toBe(1);
  });

  it('fails the beats of a write that failed, and goes on with the next', async () => {
    const clock = new ManualClock();
    let fail = true;
    const batch = new HeartbeatBatch(clock, 100, () => (fail ? Promise.reject(new Error('database gone')) : Promise.resolve()));
    const beat = batch.add('a');
    await expect(batch.flush()).rejects.toThrow('database gone');
    await expect(beat).rejects.toThrow('database gone');
    fail = false;
    const next = batch.add('b');
    await batch.flush();
    await expect(next).resolves.toBeUndefined();
  });
});
