import { ManualClock } from '@mcpctl/clock/manual';
import type { LiveEventData, LiveEventName } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../src/rbac/principal.js';
import { LIVE_FULL_READ_MS, LIVE_TICK_MS, LiveState, type LiveSink } from '../src/services/live-state.js';

const EMPTY: LiveEventData = { llms: [], pools: [], agents: [], sessions: [], access: { id: 'usr_1', name: 'alice', admin: false, role: 'member', grants: [] } };

/** Sources that count their reads, with a counter the test moves as a dispatcher would. */
function sources() {
  const state = { reads: 0, inFlight: 0, listener: undefined as (() => void) | undefined, refused: new Set<string>() };
  return {
    state,
    sources: {
      principal: (authorization: string | undefined) => {
        if (authorization && state.refused.has(authorization)) return Promise.reject(Object.assign(new Error('the token is not valid'), { statusCode: 401 }));
        return Promise.resolve({ userId: authorization ?? '' } as unknown as Principal);
      },
      read: () => {
        state.reads += 1;
        return Promise.resolve(EMPTY);
      },
      withCounters: (data: LiveEventData) => ({ ...data, agents: [], pools: [], sessions: [], llms: [], inFlightProbe: state.inFlight }) as LiveEventData,
      onChange: (listener: () => void) => {
        state.listener = listener;
        return () => (state.listener = undefined);
      },
    },
  };
}

function sink() {
  const sent: Array<[LiveEventName, string]> = [];
  let ended = false;
  let ready = true;
  const end: LiveSink = { ready: () => ready, send: (event, json) => sent.push([event, json]), end: () => (ended = true) };
  return { sink: end, sent, ended: () => ended, setReady: (value: boolean) => (ready = value) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveState', () => {
  it('reads once per caller however many connections it holds, and not at all on a tick without news', async () => {
    const clock = new ManualClock();
    const { state, sources: from } = sources();
    const live = new LiveState(from, clock, () => undefined);
    const tabs = [sink(), sink(), sink()];
    for (const tab of tabs) live.subscribe('Bearer alice', tab.sink);
    await settle();
    expect(tabs.map((tab) => tab.sent.length)).toEqual([5, 5, 5]);
    const readsAfterOpen = state.reads;
    expect(readsAfterOpen).toBeLessThanOrEqual(3);

    clock.advance(LIVE_TICK_MS);
    await settle();
    expect(state.reads).toBe(readsAfterOpen);

    // News reads again, once for the caller's three connections.
    state.listener?.();
    clock.advance(50);
    await settle();
    expect(state.reads).toBe(readsAfterOpen + 1);

    // And every LIVE_FULL_READ_MS without news.
    for (let elapsed = 0; elapsed <= LIVE_FULL_READ_MS; elapsed += LIVE_TICK_MS) {
      clock.advance(LIVE_TICK_MS);
      await settle();
    }
    expect(state.reads).toBe(readsAfterOpen + 2);
  });

  it('skips a connection that is backed up, and ends one whose token was revoked', async () => {
    const clock = new ManualClock();
    const { state, sources: from } = sources();
    const live = new LiveState(from, clock, () => undefined);
    const slow = sink();
    const revoked = sink();
    live.subscribe('Bearer slow', slow.sink);
    live.subscribe('Bearer revoked', revoked.sink);
    await settle();
    slow.setReady(false);
    state.refused.add('Bearer revoked');
    live.accessChanged();
    clock.advance(50);
    await settle();
    expect(revoked.ended()).toBe(true);
    expect(live.watching).toBe(1);
    expect(slow.ended()).toBe(false);
  });

  it('runs no timer once nobody watches, and ends every connection (and any later one) when closed', async () => {
    const clock = new ManualClock();
    const { sources: from } = sources();
    const live = new LiveState(from, clock, () => undefined);
    const before = clock.pendingTimers;
    const stop = live.subscribe('Bearer alice', sink().sink);
    expect(clock.pendingTimers).toBe(before + 1);
    stop();
    expect(clock.pendingTimers).toBe(before);

    const open = sink();
    live.subscribe('Bearer alice', open.sink);
    live.closeAll();
    expect(open.ended()).toBe(true);
    const late = sink();
    live.subscribe('Bearer alice', late.sink);
    expect(late.ended()).toBe(true);
    expect(live.watching).toBe(0);
    expect(clock.pendingTimers).toBe(before);
  });
});
