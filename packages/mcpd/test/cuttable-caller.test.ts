import { describe, expect, it } from 'vitest';
import type { Caller, CallerSink } from '../src/inference/caller.js';
import { CallerSignal } from '../src/inference/caller-signal.js';
import { CuttableCaller } from '../src/inference/cuttable-caller.js';
import { KeepaliveCaller } from '../src/inference/keepalive-caller.js';
import { threadCaller } from '../src/services/thread-caller.js';
import { ManualClock } from '@mcpctl/clock/manual';
import { serviceUnavailable } from '../src/errors.js';

const unusedSink = (): CallerSink => {
  throw new Error('not opened in this test');
};

/** A caller as `replyCaller` makes it: its signal aborts when the client leaves, or through `abort`. */
function clientCaller(): { caller: Caller; leave: () => void } {
  const signal = new CallerSignal();
  return {
    caller: { signal, abort: () => signal.abort(), streaming: false, sendJson: () => {}, openStream: unusedSink },
    leave: () => signal.abort(),
  };
}

describe('CuttableCaller', () => {
  it('cuts through the client signal itself: one signal per call, the cut kept as its reason', () => {
    const { caller } = clientCaller();
    const cuttable = new CuttableCaller(caller);
    expect(cuttable.signal).toBe(caller.signal);
    const backendStopped: string[] = [];
    caller.signal.addEventListener('abort', () => backendStopped.push('upstream call'), { once: true });
    const reason = serviceUnavailable('mcpd is shutting down; retry shortly', 5);
    cuttable.cut(reason);
    expect(caller.signal.aborted).toBe(true);
    expect(backendStopped).toEqual(['upstream call']);
    expect(cuttable.cutBy).toBe(reason);
  });

  it('reaches the client signal through the keepalive and thread callers that wrap it', () => {
    for (const wrap of [(caller: Caller) => new KeepaliveCaller(caller, new ManualClock(), 1000), (caller: Caller) => threadCaller(caller, 'x-thread', 't1').caller]) {
      const { caller } = clientCaller();
      const wrapped = wrap(caller);
      const cuttable = new CuttableCaller(wrapped);
      expect(cuttable.signal).toBe(caller.signal);
      const reason = serviceUnavailable('mcpd shut down before the answer finished', 5);
      cuttable.cut(reason);
      expect(caller.signal.aborted).toBe(true);
      expect(cuttable.cutBy).toBe(reason);
      if (wrapped instanceof KeepaliveCaller) wrapped.stop();
    }
  });

  it('tells a client that left apart from a cut: a cut after the client left changes nothing', () => {
    const { caller, leave } = clientCaller();
    const cuttable = new CuttableCaller(caller);
    leave();
    cuttable.cut(serviceUnavailable('mcpd shut down before the answer finished', 5));
    expect(cuttable.cutBy).toBeUndefined();
    expect(cuttable.signal.aborted).toBe(true);
  });
});
