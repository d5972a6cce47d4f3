import { describe, expect, it } from 'vitest';
import type { Caller, CallerSink } from '../src/inference/caller.js';
import { CuttableCaller } from '../src/inference/cuttable-caller.js';
import { KeepaliveCaller } from '../src/inference/keepalive-caller.js';
import { ManualClock } from '@mcpctl/clock/manual';
import { serviceUnavailable } from '../src/errors.js';

const unusedSink = (): CallerSink => {
  throw new Error('not opened in this test');
};

/** A caller as `replyCaller` makes it: its signal aborts when the client leaves, `abort` lets mcpd end it. */
function abortableCaller(): { caller: Caller; leave: () => void } {
  const controller = new AbortController();
  return {
    caller: { signal: controller.signal, abort: (reason) => controller.abort(reason), streaming: false, sendJson: () => {}, openStream: unusedSink },
    leave: () => controller.abort(),
  };
}

/** A caller without `abort`, as the agent chat's thread caller is. */
function plainCaller(): { caller: Caller; leave: () => void } {
  const controller = new AbortController();
  return { caller: { signal: controller.signal, streaming: false, sendJson: () => {}, openStream: unusedSink }, leave: () => controller.abort() };
}

describe('CuttableCaller', () => {
  it('cuts through the client signal itself when the caller can be aborted: one signal, the cut as its reason', () => {
    const { caller } = abortableCaller();
    const cuttable = new CuttableCaller(caller);
    expect(cuttable.signal).toBe(caller.signal);
    const reason = serviceUnavailable('mcpd is shutting down; retry shortly', 5);
    cuttable.cut(reason);
    expect(cuttable.signal.aborted).toBe(true);
    expect(cuttable.signal.reason).toBe(reason);
    expect(cuttable.cutBy).toBe(reason);
  });

  it('through a keepalive caller as well', () => {
    const { caller } = abortableCaller();
    const keepalive = new KeepaliveCaller(caller, new ManualClock(), 1000);
    const cuttable = new CuttableCaller(keepalive);
    expect(cuttable.signal).toBe(caller.signal);
    cuttable.cut(serviceUnavailable('mcpd shut down before the answer finished', 5));
    expect(caller.signal.aborted).toBe(true);
    keepalive.stop();
  });

  it('keeps its own signal, following the client, when the caller cannot be aborted', () => {
    const { caller, leave } = plainCaller();
    const cuttable = new CuttableCaller(caller);
    expect(cuttable.signal).not.toBe(caller.signal);
    leave();
    expect(cuttable.signal.aborted).toBe(true);
    expect(cuttable.cutBy).toBeUndefined();

    const other = plainCaller();
    const cut = new CuttableCaller(other.caller);
    const reason = serviceUnavailable('mcpd is shutting down; retry shortly', 5);
    cut.cut(reason);
    expect(cut.signal.reason).toBe(reason);
    expect(other.caller.signal.aborted).toBe(false);
    cut.dispose();
  });

  it('tells a client that left apart from a cut: a cut after the client left changes nothing', () => {
    for (const make of [abortableCaller, plainCaller]) {
      const { caller, leave } = make();
      const cuttable = new CuttableCaller(caller);
      leave();
      cuttable.cut(serviceUnavailable('mcpd shut down before the answer finished', 5));
      expect(cuttable.cutBy).toBeUndefined();
      expect(cuttable.signal.aborted).toBe(true);
    }
  });

  it('starts aborted over a client that already left', () => {
    const { caller, leave } = plainCaller();
    leave();
    expect(new CuttableCaller(caller).signal.aborted).toBe(true);
  });
});
