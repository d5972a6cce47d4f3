import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { ReadThroughCache } from '../src/read-through-cache.js';

const TTL_MS = 2_000;

/** A read the test answers when it wants, counting how often it was asked. */
class HeldReads<V> {
  asked = 0;
  readonly #waiting: Array<{ resolve: (value: V) => void; reject: (error: Error) => void }> = [];

  readonly load = (): Promise<V> => {
    this.asked += 1;
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  };

  answer(value: V): void {
    this.#waiting.shift()?.resolve(value);
  }

  fail(error: Error): void {
    this.#waiting.shift()?.reject(error);
  }
}

describe('ReadThroughCache', () => {
  it('answers requests that miss together from one read, keeps it for its time, then reads again', async () => {
    const clock = new ManualClock();
    const cache = new ReadThroughCache<string>(clock, TTL_MS);
    const reads = new HeldReads<string>();
    const waiting = Array.from({ length: 64 }, () => cache.read('key', reads.load));
    expect(reads.asked).toBe(1);
    reads.answer('first');
    expect(await Promise.all(waiting)).toEqual(Array(64).fill('first'));

    clock.advance(TTL_MS - 1);
    expect(await cache.read('key', reads.load)).toBe('first');
    expect(cache.peek('key')).toEqual(expect.objectContaining({ value: 'first' }));
    clock.advance(1);
    expect(cache.peek('key')).toBeUndefined();
    const again = [cache.read('key', reads.load), cache.read('key', reads.load)];
    expect(reads.asked).toBe(2);
    reads.answer('second');
    expect(await Promise.all(again)).toEqual(['second', 'second']);
  });

  it('counts the time an entry is kept from the start of its read, so a change made while it ran is kept no longer than that', async () => {
    const clock = new ManualClock();
    const cache = new ReadThroughCache<string>(clock, TTL_MS);
    const reads = new HeldReads<string>();
    const reading = cache.read('key', reads.load);
    clock.advance(TTL_MS / 2);
    reads.answer('read slowly');
    expect(await reading).toBe('read slowly');
    expect(cache.peek('key')?.value).toBe('read slowly');
    clock.advance(TTL_MS / 2);
    expect(cache.peek('key')).toBeUndefined();
  });

  it('keeps an undefined value (a name that is not there) as an answer', async () => {
    const cache = new ReadThroughCache<string | undefined>(new ManualClock(), TTL_MS);
    const reads = new HeldReads<string | undefined>();
    const first = cache.read('missing', reads.load);
    reads.answer(undefined);
    expect(await first).toBeUndefined();
    expect(await cache.read('missing', reads.load)).toBeUndefined();
    expect(reads.asked).toBe(1);
  });

  it('keeps nothing from a failed read: its waiters all get the failure and the next request reads again', async () => {
    const cache = new ReadThroughCache<string>(new ManualClock(), TTL_MS);
    const reads = new HeldReads<string>();
    const waiting = [cache.read('key', reads.load), cache.read('key', reads.load)];
    reads.fail(new Error('database unreachable'));
    const settled = await Promise.allSettled(waiting);
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    const next = cache.read('key', reads.load);
    expect(reads.asked).toBe(2);
    reads.answer('back');
    expect(await next).toBe('back');
  });

  it('answers, but does not keep, a read that raced a clear; a request after the clear does not join it', async () => {
    const cache = new ReadThroughCache<string>(new ManualClock(), TTL_MS);
    const reads = new HeldReads<string>();
    const before = cache.read('grants', reads.load);
    cache.clear();
    const after = cache.read('grants', reads.load);
    expect(reads.asked).toBe(2);
    reads.answer('old grants');
    reads.answer('new grants');
    expect(await before).toBe('old grants');
    expect(await after).toBe('new grants');
    expect(cache.peek('grants')?.value).toBe('new grants');
  });

  it('refresh reads anew past what is kept and what is under way, and keeps its answer', async () => {
    const cache = new ReadThroughCache<string>(new ManualClock(), TTL_MS);
    const reads = new HeldReads<string>();
    const kept = cache.read('key', reads.load);
    reads.answer('kept');
    await kept;
    const fresh = cache.refresh('key', reads.load);
    expect(reads.asked).toBe(2);
    reads.answer('fresh');
    expect(await fresh).toBe('fresh');
    expect(await cache.read('key', reads.load)).toBe('fresh');
    cache.delete('key');
    expect(cache.peek('key')).toBeUndefined();
  });

  it('does not keep a refresh that raced a clear', async () => {
    const cache = new ReadThroughCache<string>(new ManualClock(), TTL_MS);
    const reads = new HeldReads<string>();
    const fresh = cache.refresh('key', reads.load);
    cache.clear();
    reads.answer('read before the change');
    expect(await fresh).toBe('read before the change');
    expect(cache.peek('key')).toBeUndefined();
  });

  it('starts over past its bound on entries rather than grow', async () => {
    const cache = new ReadThroughCache<number>(new ManualClock(), TTL_MS, 3);
    for (const [index, key] of ['a', 'b', 'c'].entries()) await cache.read(key, () => Promise.resolve(index));
    expect(['a', 'b', 'c'].map((key) => cache.peek(key)?.value)).toEqual([0, 1, 2]);
    await cache.read('d', () => Promise.resolve(3));
    expect(['a', 'b', 'c', 'd'].map((key) => cache.peek(key)?.value)).toEqual([undefined, undefined, undefined, 3]);
  });

  it('a zero time keeps nothing, yet still shares a read under way', async () => {
    const cache = new ReadThroughCache<string>(new ManualClock(), 0);
    const reads = new HeldReads<string>();
    const waiting = [cache.read('key', reads.load), cache.read('key', reads.load)];
    reads.answer('once');
    expect(await Promise.all(waiting)).toEqual(['once', 'once']);
    const next = cache.read('key', reads.load);
    expect(reads.asked).toBe(2);
    reads.answer('twice');
    expect(await next).toBe('twice');
  });
});
