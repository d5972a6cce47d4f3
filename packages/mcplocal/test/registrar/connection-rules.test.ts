import { readFile } from 'node:fs/promises';
import { chatCompletionChunkSchema, type TaskResult } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import { closedPortUrl } from '../providers/support/closed-port.js';
import { eventually } from '../support/eventually.js';
import { RegistrarHarness } from './registrar-harness.js';

/*
 * The registrar's rules about time (SPEC §6 and §12: reconnect within a second after a stream
 * that was up, back off 5 s → 60 s on failures, a stream shorter than a second is a failure,
 * register again before reopening a stream that was up, heartbeat every 30 s while the stream is open) over an
 * in-memory channel on a manual clock: minutes of the registrar's time pass in milliseconds, and
 * every delay is read exactly instead of bounded by a wall clock.
 */

let harness: RegistrarHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function started(...args: Parameters<typeof RegistrarHarness.start>): Promise<RegistrarHarness> {
  harness = await RegistrarHarness.start(...args);
  await harness.overMemory().start();
  return harness;
}

/** Waits until the registrar has logged its `count`-th reconnect (a warning, or a refusal's error), the delay armed with it; answers that delay. */
async function reconnectArmed(h: RegistrarHarness, count: number): Promise<number> {
  await eventually(`reconnect ${count}`, () => h.reconnects.length === count);
  const delay = h.clock.nextTimerInMs;
  if (delay === undefined) throw new Error('no reconnect delay is armed');
  expect(h.reconnects.at(-1)).toMatch(new RegExp(`; reconnecting in ${delay} ms$`));
  return delay;
}

/** Moves the clock through a reconnect delay, checking that nothing is attempted a millisecond early. */
async function waitOut(h: RegistrarHarness, delay: number): Promise<void> {
  const registrations = h.memory.registrations.length;
  await h.clock.advanceAsync(delay - 1);
  expect(h.memory.registrations).toHaveLength(registrations);
  await h.clock.advanceAsync(1);
  await eventually('the next registration', () => h.memory.registrations.length === registrations + 1);
}

const streamOpenLines = (h: RegistrarHarness) => h.lines.info.filter((line) => line.startsWith('control stream open'));

describe('reconnecting', () => {
  it.each([
    [0, 250],
    [0.5, 500],
    [0.999, 750],
  ])('comes back after a stream that was up ended, within a second (jitter %f: %i ms), registering with its session first', async (random, expected) => {
    harness = await RegistrarHarness.start();
    const h = harness;
    await h.overMemory({ random: () => random }).start();
    await h.clock.advanceAsync(30_000);
    h.memory.endStreams();

    expect(await reconnectArmed(h, 1)).toBe(expected);
    expect(h.lines.warn).toEqual([`control stream lost (mcpd ended it); reconnecting in ${expected} ms`]);
    await waitOut(h, expected);
    await eventually('the stream back', () => streamOpenLines(h).length === 2);
    expect(h.memory.registrations.map((registration) => registration.providerSessionId)).toEqual([undefined, 'session-1']);
    expect(h.memory.streamOpens).toEqual(['session-1', 'session-1']);
    expect(h.memory.openStreams).toBe(1);
  });

  it('backs off 5 s → 60 s while attempts fail, and a stream that stays up starts it over', async () => {
    const h = await started();
    await h.clock.advanceAsync(30_000);
    h.memory.refuseRegistration = { status: 503, error: 'mcpd is starting' };
    h.memory.breakStreams();

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 7; attempt += 1) {
      const delay = await reconnectArmed(h, attempt);
      delays.push(delay);
      await waitOut(h, delay);
    }
    expect(delays).toEqual([500, 5_625, 11_250, 22_500, 45_000, 60_000, 60_000]);
    expect(h.lines.warn[0]).toBe('control stream lost (the control stream broke); reconnecting in 500 ms');
    expect(h.lines.warn[1]).toBe('cannot open the control stream (mcpd answered the registration with HTTP 503: mcpd is starting); reconnecting in 5625 ms');
    // No heartbeat while no stream is open.
    expect(h.memory.heartbeats).toHaveLength(1);

    h.memory.refuseRegistration = undefined;
    await waitOut(h, await reconnectArmed(h, 8));
    await eventually('the stream back', () => streamOpenLines(h).length === 2);
    await h.clock.advanceAsync(30_000);
    h.memory.refuseStream = { status: 503, error: 'mcpd is draining' };
    h.memory.endStreams();
    expect(await reconnectArmed(h, 9)).toBe(500);
    await waitOut(h, 500);
    expect(await reconnectArmed(h, 10)).toBe(5_625);
    expect(h.lines.warn.at(-1)).toBe('cannot open the control stream (mcpd answered the control stream with HTTP 503: mcpd is draining); reconnecting in 5625 ms');
  });

  it('counts a stream that ended within a second of opening as a failed attempt', async () => {
    const h = await started();
    await h.clock.advanceAsync(999);
    h.memory.endStreams();
    expect(await reconnectArmed(h, 1)).toBe(5_625);
    await waitOut(h, 5_625);
    await eventually('the stream back', () => streamOpenLines(h).length === 2);
    await h.clock.advanceAsync(500);
    h.memory.endStreams();
    expect(await reconnectArmed(h, 2)).toBe(11_250);
    await waitOut(h, 11_250);
    await eventually('the stream back', () => streamOpenLines(h).length === 3);
    await h.clock.advanceAsync(1_000);
    h.memory.endStreams();
    expect(await reconnectArmed(h, 3)).toBe(500);
  });

  it('keeps two mcplocals sharing one session file from taking the stream from each other every second', async () => {
    const h = await started();
    await h.clock.advanceAsync(30_000);
    // The second presents the first one's session: its stream replaces the first one's at once.
    await h.overMemory().start();
    expect(h.memory.streamOpens).toEqual(['session-1', 'session-1']);
    expect(await reconnectArmed(h, 1)).toBe(500);
    await waitOut(h, 500);
    // Now the second one's stream ended a moment after it opened: it backs off.
    expect(await reconnectArmed(h, 2)).toBe(5_625);
  });

  it('says a refused token as an error naming `mcpctl login`, and keeps retrying', async () => {
    const h = await started();
    await h.clock.advanceAsync(30_000);
    h.memory.refuseRegistration = { status: 401, error: 'missing or invalid bearer token' };
    h.memory.endStreams();
    await waitOut(h, await reconnectArmed(h, 1));
    await waitOut(h, await reconnectArmed(h, 2));
    expect(h.lines.error).toHaveLength(2);
    expect(h.lines.error.every((line) => line.includes('HTTP 401') && line.includes('mcpctl login'))).toBe(true);
    h.memory.refuseRegistration = undefined;
    await waitOut(h, await reconnectArmed(h, 3));
    await eventually('the stream back', () => h.memory.openStreams === 1);
  });

  it('says a 403 as an error in mcpd\'s words alone: logging in again would not help', async () => {
    const h = await started();
    await h.clock.advanceAsync(30_000);
    const refusal = 'provider local-qwen joins pool team as a public member, which needs a create:llms grant naming team (or keep it private)';
    h.memory.refuseRegistration = { status: 403, error: refusal };
    h.memory.endStreams();
    await waitOut(h, await reconnectArmed(h, 1));
    await waitOut(h, await reconnectArmed(h, 2));
    expect(h.lines.error.map((line) => line.replace(/; reconnecting in \d+ ms$/, '; reconnecting in N ms'))).toEqual([
      `mcpd refused this mcplocal: mcpd answered the registration with HTTP 403: ${refusal}; reconnecting in N ms`,
      `mcpd refused this mcplocal: mcpd answered the registration with HTTP 403: ${refusal}; reconnecting in N ms`,
    ]);
    // One line per attempt: the refusal is not said again as a warning.
    expect(h.lines.warn.filter((line) => line.includes('HTTP 403'))).toEqual([]);
    expect(h.allLines).not.toContain('mcpctl login');
  });
});

describe('registering again', () => {
  it('keeps the session mcpd still holds, and saves the new one mcpd issues when it no longer does', async () => {
    const h = await started();
    await h.clock.advanceAsync(30_000);
    h.memory.endStreams();
    await waitOut(h, await reconnectArmed(h, 1));
    await eventually('the stream back', () => streamOpenLines(h).length === 2);
    expect(h.lines.info).not.toContain('mcpd did not know the saved provider session and issued a new one');

    await h.clock.advanceAsync(30_000);
    h.memory.forgetSessions();
    h.memory.endStreams();
    await waitOut(h, await reconnectArmed(h, 2));
    await eventually('the stream back', () => streamOpenLines(h).length === 3);
    expect(h.memory.registrations.map((registration) => registration.providerSessionId)).toEqual([undefined, 'session-1', 'session-1']);
    expect(h.memory.streamOpens).toEqual(['session-1', 'session-1', 'session-2']);
    expect(h.lines.info).toContain('mcpd did not know the saved provider session and issued a new one');
    expect((await readFile(h.sessionFilePath, 'utf8')).trim()).toBe('session-2');
    await h.clock.advanceAsync(30_000);
    expect(h.memory.heartbeats.at(-1)?.providerSessionId).toBe('session-2');
    expect(h.allLines).not.toMatch(/session-\d/);
  });
});

describe('a stream that fails to open', () => {
  it('is tried again alone while the registration stands, so the rows are not made active at every attempt; a forgotten session registers first', async () => {
    const h = await started();
    await h.clock.advanceAsync(30_000);
    h.memory.refuseStream = { status: 502, error: 'the proxy could not reach mcpd' };
    h.memory.endStreams();
    // The stream was up: the next attempt registers first, then fails to open.
    await waitOut(h, await reconnectArmed(h, 1));
    const afterLoss = h.memory.registrations.length;
    for (let attempt = 2; attempt <= 4; attempt += 1) {
      const delay = await reconnectArmed(h, attempt);
      await h.clock.advanceAsync(delay);
      await eventually(`attempt ${attempt}`, () => h.lines.warn.length === attempt + 1);
    }
    expect(h.memory.registrations).toHaveLength(afterLoss);
    expect(h.lines.warn.at(-1)).toMatch(/^cannot open the control stream \(mcpd answered the control stream with HTTP 502: the proxy could not reach mcpd\); reconnecting in \d+ ms$/);

    // The stream opens on the registration that stood, and the publisher beats at once: mcpd
    // revived the rows as active, and the beat names the backends that sleep.
    h.memory.refuseStream = undefined;
    const beats = h.memory.heartbeats.length;
    await h.clock.advanceAsync(h.clock.nextTimerInMs ?? 0);
    await eventually('the stream back', () => streamOpenLines(h).length === 2);
    expect(h.memory.registrations).toHaveLength(afterLoss);
    await eventually('a beat at once', () => h.memory.heartbeats.length === beats + 1);

    // mcpd no longer knows the session: the attempt after the 404 registers again.
    await h.clock.advanceAsync(30_000);
    h.memory.refuseStream = { status: 404, error: 'unknown provider session; register first' };
    h.memory.endStreams();
    await waitOut(h, await reconnectArmed(h, 6));
    await eventually('the 404', () => h.lines.warn.length === 7);
    h.memory.refuseStream = undefined;
    await waitOut(h, await reconnectArmed(h, 7));
    await eventually('the stream back', () => streamOpenLines(h).length === 3);
    expect(h.memory.registrations).toHaveLength(afterLoss + 2);
  });
});

describe('heartbeats', () => {
  it('beat every 30 s while the stream is open, and stop while it is down', async () => {
    const h = await started();
    await h.clock.advanceAsync(29_999);
    expect(h.memory.heartbeats).toEqual([]);
    await h.clock.advanceAsync(1);
    expect(h.memory.heartbeats).toEqual([{ providerSessionId: 'session-1', at: 30_000 }]);
    await h.clock.advanceAsync(60_000);
    expect(h.memory.heartbeats.map((beat) => beat.at)).toEqual([30_000, 60_000, 90_000]);

    h.memory.refuseRegistration = { status: 503, error: 'mcpd is starting' };
    h.memory.endStreams();
    await h.clock.advanceAsync(120_000);
    expect(h.memory.heartbeats).toHaveLength(3);
  });

  it('never have two in flight: one mcpd does not answer holds the next back until the stream ends', async () => {
    const h = await started();
    h.memory.hangHeartbeats = true;
    await h.clock.advanceAsync(150_000);
    expect(h.memory.heartbeats.map((beat) => beat.at)).toEqual([30_000]);

    h.memory.hangHeartbeats = false;
    h.memory.endStreams();
    await waitOut(h, await reconnectArmed(h, 1));
    await eventually('the stream back', () => streamOpenLines(h).length === 2);
    const reopenedAt = h.clock.monotonic();
    await h.clock.advanceAsync(30_000);
    expect(h.memory.heartbeats.map((beat) => beat.at)).toEqual([30_000, reopenedAt + 30_000]);
    // The hung beat was aborted with its stream: it never logged a failure.
    expect(h.lines.warn.filter((line) => line.startsWith('heartbeat failed'))).toEqual([]);
  });

  it('log a failure and go on at the same pace, saying when one is accepted again', async () => {
    const h = await started();
    h.memory.failHeartbeats = 2;
    await h.clock.advanceAsync(90_000);
    expect(h.lines.warn).toEqual([
      'heartbeat failed: cannot reach mcpd for a heartbeat: the connection was refused',
      'heartbeat failed: cannot reach mcpd for a heartbeat: the connection was refused',
    ]);
    expect(h.memory.heartbeats.map((beat) => beat.at)).toEqual([90_000]);
    expect(h.lines.info).toContain('heartbeat accepted again');
  });

  it('name a backend that stopped answering, once it does, and only for providers they can wake', async () => {
    harness = await RegistrarHarness.start({ asleep: false });
    const h = harness;
    const down = h.localProvider({ publishName: 'qwen-down', provider: new OpenAiProvider({ name: 'local-down', url: await closedPortUrl(), model: 'fake-model' }) });
    await h.overMemory({ publishedProviders: [h.sleepyProvider(), down] }).start();
    await h.clock.advanceAsync(30_000);
    // Each beat probes the backends first, over the network.
    await eventually('a heartbeat', () => h.memory.heartbeats.length === 1);
    expect(h.memory.heartbeats[0]).toEqual({ providerSessionId: 'session-1', at: 30_000 });

    h.upstream.sleep();
    for (let beat = 2; beat <= 4; beat += 1) {
      await h.clock.advanceAsync(30_000);
      await eventually(`heartbeat ${beat}`, () => h.memory.heartbeats.length === beat);
      expect(h.memory.heartbeats.at(-1)).toEqual({ providerSessionId: 'session-1', hibernating: ['qwen-sleepy'], at: beat * 30_000 });
    }
    expect(h.lines.info.filter((line) => line === 'qwen-sleepy: the backend stopped answering; telling mcpd it is hibernating')).toHaveLength(1);

    // Back without a wake from mcpd (its owner started it): said once, again after a beat that did not arrive.
    h.upstream.setBehavior({ asleep: false });
    h.memory.failHeartbeats = 1;
    await h.clock.advanceAsync(30_000);
    await eventually('the failed beat', () => h.lines.warn.length === 1);
    for (const beat of [5, 6]) {
      await h.clock.advanceAsync(30_000);
      await eventually(`heartbeat ${beat}`, () => h.memory.heartbeats.length === beat);
    }
    expect(h.memory.heartbeats.slice(4)).toEqual([
      { providerSessionId: 'session-1', awake: ['qwen-sleepy'], at: 180_000 },
      { providerSessionId: 'session-1', at: 210_000 },
    ]);
  });

  it('tell mcpd at once that a backend the local endpoint woke serves, when it was told the backend sleeps', async () => {
    // Up at once when its wake endpoint is called: the recipe's first probe finds it serving.
    harness = await RegistrarHarness.start({ asleep: true, wakeDelayMs: 0 });
    const h = harness;
    const sleepy = h.sleepyProvider();
    const registrar = h.overMemory({ publishedProviders: [sleepy] });
    await registrar.start();
    expect(h.memory.registrations.at(-1)?.providers.map((provider) => provider.initialStatus)).toEqual(['hibernating']);

    // The local endpoint's wake: no wake task, so no task result tells mcpd.
    await registrar.wake({ llmName: 'qwen-sleepy', entry: sleepy, signal: new AbortController().signal });
    expect(h.upstream.asleep).toBe(false);
    await eventually('a heartbeat at once', () => h.memory.heartbeats.length === 1);
    expect(h.memory.heartbeats[0]).toEqual({ providerSessionId: 'session-1', awake: ['qwen-sleepy'], at: 0 });

    // Said once: the beats after it name nothing.
    await h.clock.advanceAsync(30_000);
    await eventually('the next heartbeat', () => h.memory.heartbeats.length === 2);
    expect(h.memory.heartbeats[1]).toEqual({ providerSessionId: 'session-1', at: 30_000 });
  });

  it('tell mcpd at once that a backend a relayed request woke serves, when a heartbeat had called it asleep', async () => {
    harness = await RegistrarHarness.start({ asleep: false, wakeDelayMs: 0 });
    const h = harness;
    await h.overMemory({ publishedProviders: [h.sleepyProvider()] }).start();
    h.upstream.sleep();
    await h.clock.advanceAsync(30_000);
    await eventually('the heartbeat calling it asleep', () => h.memory.heartbeats.length === 1);
    expect(h.memory.heartbeats[0]?.hibernating).toEqual(['qwen-sleepy']);

    // A request mcpd sent before it heard: the relay wakes the backend, and no wake task tells mcpd.
    h.memory.pushTask({ kind: 'infer', taskId: 'late-1', llmName: 'qwen-sleepy', request: REQUEST, streaming: false });
    await eventually('the answer', () => h.memory.resultsOf('late-1').length === 1);
    expect(h.memory.resultsOf('late-1')[0]).toMatchObject({ status: 200 });
    await eventually('a heartbeat at once', () => h.memory.heartbeats.length === 2);
    expect(h.memory.heartbeats[1]).toEqual({ providerSessionId: 'session-1', awake: ['qwen-sleepy'], at: 30_000 });
  });

  it('go on through a wake without naming the backend being woken, and the wake is timed on the clock', async () => {
    harness = await RegistrarHarness.start({ asleep: true });
    const h = harness;
    // A wake command that ends once the backend answers: the test brings the backend up itself.
    const script = `const poll = () => fetch(process.argv[1] + '/v1/models').then((r) => (r.ok ? process.exit(0) : setTimeout(poll, 20)), () => setTimeout(poll, 20)); poll();`;
    const recipe = { type: 'command', command: process.execPath, args: ['-e', script, h.upstream.url], maxWaitSeconds: 600 };
    await h.overMemory({ publishedProviders: [h.sleepyProvider(recipe)] }).start();
    await h.clock.advanceAsync(30_000);
    await eventually('a heartbeat naming the sleeping backend', () => h.memory.heartbeats.length === 1);
    expect(h.memory.heartbeats[0]?.hibernating).toEqual(['qwen-sleepy']);

    h.memory.pushTask({ kind: 'wake', taskId: 'wake-1', llmName: 'qwen-sleepy' });
    await eventually('the wake under way', () => h.lines.info.some((line) => line.startsWith('qwen-sleepy: waking with the command')));
    for (let beat = 2; beat <= 4; beat += 1) {
      await h.clock.advanceAsync(30_000);
      await eventually(`heartbeat ${beat}`, () => h.memory.heartbeats.length === beat);
    }
    expect(h.memory.heartbeats.slice(1).map((beat) => beat.hibernating)).toEqual([undefined, undefined, undefined]);

    await fetch(`${h.upstream.url}/wake_up`, { method: 'POST' });
    await eventually('the wake result', () => h.memory.resultsOf('wake-1').length === 1);
    expect(h.memory.resultsOf('wake-1')).toEqual([{ status: 200, body: { ok: true, ms: 90_000 } }]);
  });
});

const REQUEST = { model: 'local-qwen', messages: [{ role: 'user', content: 'Say hello.' }] };
const isDone = (result: TaskResult) => 'chunk' in result && result.chunk.done === true;

describe('tasks', () => {
  it('arrive as frames and are answered with one result post each, under their task id, timed by the clock', async () => {
    const h = await started({ tokens: ['Hello', ' there'] });
    h.memory.pushTask({ kind: 'infer', taskId: 'stream-1', llmName: 'local-qwen', request: REQUEST, streaming: true });
    h.memory.pushTask({ kind: 'infer', taskId: 'whole-1', llmName: 'local-qwen', request: REQUEST, streaming: false });
    await eventually('both answers', () => h.memory.resultsOf('stream-1').some(isDone) && h.memory.resultsOf('whole-1').length === 1);

    const chunks = h.memory
      .resultsOf('stream-1')
      .filter((result) => !isDone(result))
      .map((result) => chatCompletionChunkSchema.parse(JSON.parse('chunk' in result ? result.chunk.data : '')));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello there');
    // Both answers are the local server's own, dated by it.
    const { created } = chunks[0]!;
    expect(chunks.every((chunk) => chunk.created === created)).toBe(true);
    const whole = h.memory.resultsOf('whole-1');
    expect(whole).toEqual([expect.objectContaining({ status: 200, body: expect.objectContaining({ object: 'chat.completion' }) })]);
    // Its own second: the two requests may straddle a second's end.
    const wholeCreated = ('body' in whole[0]! ? (whole[0].body as { created: number }) : { created: NaN }).created;
    expect(Math.abs(wholeCreated - created)).toBeLessThanOrEqual(1);
    expect(h.lines.debug).toContain('infer task for local-qwen done in 0 ms');
  });

  it('stop the local call on a cancel frame, and when mcpd answers a result post that the task is gone', async () => {
    const h = await started({ tokensPerSecond: 20, tokenCount: 200 });
    h.memory.pushTask({ kind: 'infer', taskId: 'cancelled-1', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await eventually('a first chunk', () => h.memory.resultsOf('cancelled-1').length >= 1);
    h.memory.pushTask({ kind: 'cancel', taskId: 'cancelled-1', llmName: 'local-qwen' });
    await h.upstream.waitForCancelled(1);
    await eventually('the stop logged', () => h.lines.info.includes('infer task for local-qwen stopped: mcpd cancelled the task'));

    h.memory.goneTasks.add('gone-1');
    h.memory.pushTask({ kind: 'infer', taskId: 'gone-1', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await h.upstream.waitForCancelled(2);
    await eventually('the stop logged', () => h.lines.info.includes('infer task for local-qwen stopped: mcpd no longer wants this task'));
    expect(h.memory.resultsOf('gone-1')).toEqual([]);
    expect(h.memory.resultsOf('cancelled-1').some(isDone)).toBe(false);
  });
});

describe('stopping', () => {
  it('ends a reconnect wait at once and leaves no timer on the clock', async () => {
    const h = await started();
    const registrar = h.overMemory({ sessionFilePath: `${h.sessionFilePath}-second` });
    await registrar.start();
    await h.clock.advanceAsync(30_000);
    h.memory.refuseRegistration = { status: 503, error: 'mcpd is starting' };
    h.memory.endStreams();
    await reconnectArmed(h, 2);
    await h.close();
    harness = undefined;
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.lines.info.filter((line) => line === 'stopped publishing')).toHaveLength(2);
  });
});
