import { deadlineSignal, systemClock } from '@mcpctl/clock';
import { ManualClock } from '@mcpctl/clock/manual';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import { waitUntilAvailable } from '../../src/wake/wait-until-available.js';
import { eventually } from '../support/eventually.js';

let upstream: FakeUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function sleepingUpstream(wakeDelayMs: number): Promise<{ upstream: FakeUpstream; provider: OpenAiProvider }> {
  upstream = await startFakeUpstream({ asleep: true, wakeDelayMs });
  return { upstream, provider: new OpenAiProvider({ name: 'local-qwen', url: upstream.url, model: 'fake-model' }) };
}

describe('waitUntilAvailable', () => {
  it('pauses 250 ms for the first 3 s, then longer each time, never past 1.5 s', async () => {
    const { provider } = await sleepingUpstream(0);
    const clock = new ManualClock();
    const controller = new AbortController();
    const polling = waitUntilAvailable(provider, { signal: controller.signal, clock });
    const pauses: number[] = [];
    while (pauses.length < 20) {
      // Each probe is a real request; the pause after it is armed once its answer is in.
      await eventually('the next pause', () => clock.pendingTimers === 1);
      const pause = clock.nextTimerInMs ?? 0;
      pauses.push(pause);
      clock.advance(pause);
    }
    controller.abort(new Error('enough'));
    await expect(polling).rejects.toThrow('enough');
    expect(pauses).toEqual([...Array(12).fill(250), 375, 563, 845, 1268, 1500, 1500, 1500, 1500]);
  });

  it('sees a backend that comes up after 400 ms well before a 1.5 s pause would', async () => {
    const { upstream, provider } = await sleepingUpstream(400);
    await fetch(`${upstream.url}/wake_up`, { method: 'POST' });
    const startedAt = performance.now();
    await waitUntilAvailable(provider, { signal: AbortSignal.timeout(5_000), clock: systemClock });
    const tookMs = performance.now() - startedAt;
    expect(upstream.asleep).toBe(false);
    expect(tookMs).toBeGreaterThanOrEqual(350);
    expect(tookMs).toBeLessThan(1_200);
  });

  it('resolves at the first probe when the backend already answers', async () => {
    const { upstream, provider } = await sleepingUpstream(0);
    upstream.setBehavior({ asleep: false });
    const clock = new ManualClock();
    await waitUntilAvailable(provider, { signal: new AbortController().signal, clock });
    expect(clock.pendingTimers).toBe(0);
    expect(clock.monotonic()).toBe(0);
  });

  it('rejects with the reason of its signal while the backend sleeps on', async () => {
    const { provider } = await sleepingUpstream(0);
    const reason = new Error('the wake ran out of time');
    const clock = new ManualClock();
    const deadline = deadlineSignal(clock, 1_000, { reason: () => reason });
    const polling = waitUntilAvailable(provider, { signal: deadline.signal, clock });
    await eventually('the first pause', () => clock.pendingTimers === 2);
    clock.advance(1_000);
    await expect(polling).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });
});
