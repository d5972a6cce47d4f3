import { ManualClock } from '@mcpctl/clock/manual';
import { busDispatchLoadSchema, type BusDispatchLoad } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import type { RelayBus } from '../src/relay/relay-bus.js';
import { DISPATCH_LOAD_INTERVAL_MS, DispatchLoadExchange } from '../src/services/dispatch-load-exchange.js';

/** The counters a dispatcher keeps, set by hand: in flight per LLM id, per queue key its line, per LLM id its cooldown's ms left. */
class HeldHere {
  readonly inFlight = new Map<string, number>();
  readonly queues = new Map<string, { queued: number; oldestWaitMs: number }>();
  readonly cooling = new Map<string, number>();
  cooldownMsOf = (llmId: string) => this.cooling.get(llmId) ?? 0;
  membersCoolingDown = () => this.cooling.entries();
  inFlightOf = (llmId: string) => this.inFlight.get(llmId) ?? 0;
  queued = (key: string) => this.queues.get(key)?.queued ?? 0;
  oldestWaitMs = (key: string) => this.queues.get(key)?.oldestWaitMs ?? 0;
  llmsInFlight = () => this.inFlight.keys();
  waitingKeys = () => this.queues.keys();
}

/* The dashboard's counters among replicas: each replica's view adds what the others hold, within about a second. */
describe('DispatchLoadExchange', () => {
  const setUp = () => {
    const clock = new ManualClock();
    const told: Array<Omit<BusDispatchLoad, 'from'>> = [];
    const bus = { replicaId: 'here', reportDispatchLoad: (load: Omit<BusDispatchLoad, 'from'>) => void told.push(load) } as unknown as RelayBus;
    const here = new HeldHere();
    const exchange = new DispatchLoadExchange(here, bus, clock);
    return { clock, told, here, exchange, counters: exchange.counters };
  };

  it('tells the others every second what it holds, only what is not zero, and goes quiet after one empty report', async () => {
    const { clock, told, here, exchange } = setUp();
    exchange.start();
    await clock.advanceAsync(DISPATCH_LOAD_INTERVAL_MS);
    // Idle from the start: nothing to say.
    expect(told).toEqual([]);
    here.inFlight.set('llm-a', 2);
    here.queues.set('pool:team', { queued: 3, oldestWaitMs: 1234.6 });
    await clock.advanceAsync(DISPATCH_LOAD_INTERVAL_MS);
    expect(told).toEqual([{ inFlight: { 'llm-a': 2 }, queues: { 'pool:team': { queued: 3, oldestWaitMs: 1235 } } }]);
    expect(busDispatchLoadSchema.safeParse({ from: 'here', ...told[0] }).success).toBe(true);
    here.inFlight.clear();
    here.queues.clear();
    await clock.advanceAsync(DISPATCH_LOAD_INTERVAL_MS);
    expect(told[1]).toEqual({ inFlight: {}, queues: {} });
    await clock.advanceAsync(5 * DISPATCH_LOAD_INTERVAL_MS);
    expect(told).toHaveLength(2);
    here.inFlight.set('llm-a', 1);
    exchange.stop();
    await clock.advanceAsync(5 * DISPATCH_LOAD_INTERVAL_MS);
    expect(told).toHaveLength(2);
  });

  it("adds the others' counts to its own, takes the longest oldest wait, and ignores its own reports", async () => {
    const { clock, here, exchange, counters } = setUp();
    here.inFlight.set('llm-a', 1);
    here.queues.set('pool:team', { queued: 1, oldestWaitMs: 300 });
    exchange.reported({ from: 'there', inFlight: { 'llm-a': 2, 'llm-b': 1 }, queues: { 'pool:team': { queued: 2, oldestWaitMs: 900 }, 'llm:a': { queued: 4, oldestWaitMs: 50 } } });
    exchange.reported({ from: 'elsewhere', inFlight: { 'llm-a': 3 }, queues: { 'pool:team': { queued: 1, oldestWaitMs: 100 } } });
    // A replica hearing itself (the bus filters that too) counts nothing twice.
    exchange.reported({ from: 'here', inFlight: { 'llm-a': 50 }, queues: { 'pool:team': { queued: 50, oldestWaitMs: 99_999 } } });
    expect(counters.inFlightOf('llm-a')).toBe(6);
    expect(counters.inFlightOf('llm-b')).toBe(1);
    expect(counters.inFlightOf('llm-c')).toBe(0);
    // Keys from the wire are only keys: nothing of Object's prototype is read as a count.
    expect(counters.inFlightOf('constructor')).toBe(0);
    expect(counters.queued('pool:team')).toBe(4);
    expect(counters.queued('llm:a')).toBe(4);
    expect(counters.oldestWaitMs('pool:team')).toBe(900);
    // The wait reported goes on while it is fresh.
    await clock.advanceAsync(500);
    expect(counters.oldestWaitMs('pool:team')).toBe(1400);
    // A newer word from a replica replaces its older one.
    exchange.reported({ from: 'there', inFlight: {}, queues: {} });
    expect(counters.inFlightOf('llm-a')).toBe(4);
    expect(counters.queued('pool:team')).toBe(2);
    expect(counters.oldestWaitMs('pool:team')).toBe(600);
  });

  it('forgets a replica silent for 3 s', async () => {
    const { clock, here, exchange, counters } = setUp();
    here.inFlight.set('llm-a', 1);
    exchange.reported({ from: 'there', inFlight: { 'llm-a': 2 }, queues: { 'llm:a': { queued: 1, oldestWaitMs: 10 } } });
    await clock.advanceAsync(2_000);
    exchange.reported({ from: 'elsewhere', inFlight: { 'llm-a': 4 }, queues: {} });
    await clock.advanceAsync(1_000);
    expect(counters.inFlightOf('llm-a')).toBe(7);
    await clock.advanceAsync(1);
    // "there" said nothing for more than 3 s; "elsewhere" spoke a second ago.
    expect(counters.inFlightOf('llm-a')).toBe(5);
    expect(counters.queued('llm:a')).toBe(0);
    expect(counters.oldestWaitMs('llm:a')).toBe(0);
    await clock.advanceAsync(2_000);
    expect(counters.inFlightOf('llm-a')).toBe(1);
  });

  it("tells the others which pool members it holds back, and shows the longest cooldown any replica holds, running down", async () => {
    const { clock, told, here, exchange, counters } = setUp();
    exchange.start();
    here.cooling.set('llm-a', 29_500.4);
    await clock.advanceAsync(DISPATCH_LOAD_INTERVAL_MS);
    // A cooldown alone is worth a report: a dashboard elsewhere shows the member held back.
    expect(told).toEqual([{ inFlight: {}, queues: {}, coolingDown: { 'llm-a': 29_501 } }]);
    expect(busDispatchLoadSchema.safeParse({ from: 'here', ...told[0] }).success).toBe(true);
    exchange.reported({ from: 'there', inFlight: {}, queues: {}, coolingDown: { 'llm-a': 10_000, 'llm-b': 20_000 } });
    expect(counters.cooldownMsOf('llm-a')).toBe(29_500.4);
    expect(counters.cooldownMsOf('llm-b')).toBe(20_000);
    expect(counters.cooldownMsOf('llm-c')).toBe(0);
    await clock.advanceAsync(500);
    expect(counters.cooldownMsOf('llm-b')).toBe(19_500);
    // An older replica's report has no cooldowns: nothing of it is read as one.
    exchange.reported({ from: 'there', inFlight: {}, queues: {} });
    expect(counters.cooldownMsOf('llm-b')).toBe(0);
    exchange.stop();
  });
});
