import { afterEach, describe, expect, it } from 'vitest';
import { ReconnectSchedule } from '../../src/registrar/reconnect-schedule.js';
import { RegistrarHarness } from './registrar-harness.js';

/** Resolves once `check` holds, looking every 10 ms for at most 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = performance.now() + 5_000; !check(); ) {
    if (performance.now() > deadline) throw new Error(`still not true after 5 s: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ReconnectSchedule', () => {
  it('comes back within a second after a stream that was up, backing off 5 s → 60 s only on failed attempts', () => {
    let random = 0.5;
    const schedule = new ReconnectSchedule({ baseMs: 5_000, maxMs: 60_000, random: () => random });
    expect(schedule.afterStreamEnded(60_000)).toBe(625);
    expect([schedule.afterFailedAttempt(), schedule.afterFailedAttempt(), schedule.afterFailedAttempt()]).toEqual([5_625, 11_250, 22_500]);
    // A stream that ends at once is not a success: the backoff goes on growing.
    expect(schedule.afterStreamEnded(300)).toBe(45_000);
    expect(schedule.afterFailedAttempt()).toBe(60_000);
    // A stream that stayed up resets it.
    random = 0;
    expect(schedule.afterStreamEnded(1_000)).toBe(250);
    expect(schedule.afterFailedAttempt()).toBe(5_000);
    random = 0.999;
    expect(schedule.afterStreamEnded(10_000)).toBe(999);
  });
});

describe('the registrar after its stream ends', () => {
  let harness: RegistrarHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('reconnects within a second, then backs off from 5 s when the attempt fails', async () => {
    harness = await RegistrarHarness.start();
    const { mcpd } = harness;
    let clock = 0;
    const registrar = harness.registrar({ reconnectBaseMs: 5_000, reconnectMaxMs: 60_000, random: () => 0.5, now: () => clock });
    await registrar.start();

    clock += 30_000;
    const droppedAt = performance.now();
    mcpd.dropStreams();
    await mcpd.waitFor('the stream back', () => mcpd.streamOpens.length === 2 && mcpd.openStreams === 1);
    // mcpd sees the stream before the registrar does; the clock moves on once both know it is open.
    await until(() => harness!.lines.info.filter((line) => line.startsWith('control stream open')).length === 2);
    const backAfterMs = performance.now() - droppedAt;
    expect(harness.lines.warn).toContainEqual(expect.stringMatching(/^control stream lost \(.*\); reconnecting in 625 ms$/));
    expect(backAfterMs).toBeGreaterThanOrEqual(600);
    expect(backAfterMs).toBeLessThan(4_000);

    mcpd.refuseRegistration = { status: 503, error: 'mcpd is starting' };
    clock += 30_000;
    mcpd.dropStreams();
    await mcpd.waitFor('a refused registration', () => mcpd.registrations.length === 3);
    await until(() => harness!.lines.warn.some((line) => line.startsWith('cannot open the control stream')));
    expect(harness.lines.warn.at(-1)).toMatch(/^cannot open the control stream \(.*HTTP 503.*\); reconnecting in 5625 ms$/);
  });
});
