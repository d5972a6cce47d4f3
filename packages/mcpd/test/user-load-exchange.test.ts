import { ManualClock } from '@mcpctl/clock/manual';
import type { BusUserLoad } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import type { RelayBus } from '../src/relay/relay-bus.js';
import { PerUserLimit } from '../src/security/per-user-limit.js';
import { USER_LOAD_INTERVAL_MS, UserLoadExchange } from '../src/services/user-load-exchange.js';

/* Per-user caps among replicas (issue 14 item 6): each counts what the others hold, within about a second. */
describe('UserLoadExchange', () => {
  const setUp = () => {
    const clock = new ManualClock();
    const told: BusUserLoad['held'][] = [];
    const bus = { replicaId: 'here', reportUserLoad: (held: BusUserLoad['held']) => void told.push(held) } as unknown as RelayBus;
    const limits = { inference: new PerUserLimit(3), controlStreams: new PerUserLimit(2) };
    const exchange = new UserLoadExchange(limits, bus, clock);
    return { clock, told, limits, exchange };
  };

  it('tells the others every second what each user holds here, users holding nothing left out', async () => {
    const { clock, told, limits, exchange } = setUp();
    exchange.start();
    limits.inference.acquire('alice');
    const release = limits.inference.acquire('alice')!;
    limits.controlStreams.acquire('bob');
    await clock.advanceAsync(USER_LOAD_INTERVAL_MS);
    expect(told).toEqual([{ inference: { alice: 2 }, controlStreams: { bob: 1 } }]);
    release();
    await clock.advanceAsync(USER_LOAD_INTERVAL_MS);
    expect(told[1]).toEqual({ inference: { alice: 1 }, controlStreams: { bob: 1 } });
    exchange.stop();
    await clock.advanceAsync(5 * USER_LOAD_INTERVAL_MS);
    expect(told).toHaveLength(2);
  });

  it('refuses a user at the cap counting what other replicas hold, and forgets a replica silent for 3 s', async () => {
    const { clock, limits, exchange } = setUp();
    exchange.reported({ from: 'there', held: { inference: { alice: 2 } } });
    exchange.reported({ from: 'elsewhere', held: { inference: { bob: 1 } } });
    expect(limits.inference.acquire('alice')).toBeDefined();
    // 1 here + 2 there: alice is at 3.
    expect(limits.inference.acquire('alice')).toBeUndefined();
    expect(limits.inference.acquire('bob')).toBeDefined();
    // A newer word from the same replica replaces the older one.
    exchange.reported({ from: 'there', held: { inference: { alice: 1 } } });
    expect(limits.inference.acquire('alice')).toBeDefined();
    expect(limits.inference.acquire('alice')).toBeUndefined();
    // Past 3 s without a word, "there" counts no more.
    await clock.advanceAsync(3_001);
    expect(exchange.heldElsewhere('inference', 'alice')).toBe(0);
    expect(limits.inference.acquire('alice')).toBeDefined();
  });
});
