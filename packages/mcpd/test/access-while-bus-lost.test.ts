import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { ACCESS_RECHECK_WHILE_BUS_LOST_MS, AccessWhileBusLost } from '../src/bus/access-while-bus-lost.js';

describe('access while NATS is lost', () => {
  it('looks again every 10 s while the bus is lost, once more when it is back, and not after', () => {
    const clock = new ManualClock();
    let rechecks = 0;
    const watch = new AccessWhileBusLost(clock, () => {
      rechecks += 1;
    });
    clock.advance(ACCESS_RECHECK_WHILE_BUS_LOST_MS * 3);
    expect(rechecks).toBe(0);

    watch.lost();
    // A second loss told before the first ended arms nothing more.
    watch.lost();
    clock.advance(ACCESS_RECHECK_WHILE_BUS_LOST_MS - 1);
    expect(rechecks).toBe(0);
    clock.advance(1);
    expect(rechecks).toBe(1);
    clock.advance(ACCESS_RECHECK_WHILE_BUS_LOST_MS);
    expect(rechecks).toBe(2);

    // Back: what changed meanwhile is looked at at once, then the others tell of changes again.
    watch.back();
    expect(rechecks).toBe(3);
    clock.advance(ACCESS_RECHECK_WHILE_BUS_LOST_MS * 3);
    expect(rechecks).toBe(3);

    watch.lost();
    watch.stop();
    clock.advance(ACCESS_RECHECK_WHILE_BUS_LOST_MS * 3);
    expect(rechecks).toBe(3);
  });
});
