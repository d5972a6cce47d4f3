import { ManualClock } from '@mcpctl/clock/manual';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpControlChannel } from '../../src/channels/http-control-channel.js';
import type { ChannelFrame } from '../../src/registrar/control-channel.js';
import { startFakeMcpd, type FakeMcpd } from '../registrar/fake-mcpd.js';
import { eventually } from '../support/eventually.js';

let mcpd: FakeMcpd;
let clock: ManualClock;
let channel: HttpControlChannel;

beforeEach(async () => {
  mcpd = await startFakeMcpd();
  clock = new ManualClock();
  channel = new HttpControlChannel({ mcpdUrl: mcpd.url, token: mcpd.token, clock });
});

afterEach(async () => {
  await mcpd.close();
});

/*
 * The SSE + POST channel's own deadlines run on the clock it is given: a real mcpd over HTTP
 * that stops answering, and a manual clock that says when the wait is over.
 */
describe('HttpControlChannel on a manual clock', () => {
  it('fails a heartbeat mcpd read but did not answer once the 30 s request timeout passes, and not before', async () => {
    mcpd.hangHeartbeats = true;
    const outcome = channel.heartbeat({ providerSessionId: 'session-1' }, new AbortController().signal).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await eventually('the heartbeat at mcpd', () => mcpd.heartbeats.length === 1);
    clock.advance(29_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    expect(await outcome).toBe(`mcpd at ${mcpd.url} did not answer a heartbeat within 30 s`);
    expect(clock.pendingTimers).toBe(0);
  });

  it('closes a control stream silent for 65 s, any bytes (a ping comment) starting the count again', async () => {
    const frames: ChannelFrame[] = [];
    let opened = false;
    const stream = channel
      .openStream('session-1', { onOpen: () => (opened = true), onFrame: (frame) => frames.push(frame) }, new AbortController().signal)
      .then(
        () => 'ended',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    await eventually('the hello frame', () => opened && frames.length === 1);
    expect(frames).toEqual([{ event: 'hello', data: JSON.stringify({ providerSessionId: 'session-1' }) }]);

    clock.advance(64_000);
    mcpd.pushRaw(': ping\n\n');
    await eventually('the ping read', () => clock.nextTimerInMs === 65_000);
    clock.advance(64_999);
    expect(mcpd.openStreams).toBe(1);
    clock.advance(1);
    expect(await stream).toBe('mcpd sent nothing for 65 s');
    expect(clock.pendingTimers).toBe(0);
    await eventually('the connection closed', () => mcpd.openStreams === 0);
  });

  it('says the connection to mcpd broke, and how, when the stream is cut', async () => {
    let opened = false;
    const stream = channel.openStream('session-1', { onOpen: () => (opened = true), onFrame: () => undefined }, new AbortController().signal).then(
      () => 'ended',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await eventually('the stream open', () => opened);
    mcpd.dropStreams();
    expect(await stream).toBe(`the connection to mcpd at ${mcpd.url} broke: terminated (other side closed, UND_ERR_SOCKET)`);
  });
});

/* A result post whose connection ends before mcpd answers, as when a replica closes its kept-alive connections on the way out. */
describe('HttpControlChannel result posts that lose their answer', () => {
  const sent = () => mcpd.results.map(({ result, seq }) => ({ result, seq }));
  const register = () => channel.register({ providers: [] }, new AbortController().signal);
  /** Moves the manual clock past the pause the channel waits in, once it waits. */
  const pass = async (ms: number) => {
    await eventually(`a pause of ${ms} ms`, () => clock.nextTimerInMs === ms);
    clock.advance(ms);
  };

  it('posts the result again after a pause, with the same seq, to an mcpd that takes each seq once', async () => {
    await register();
    mcpd.loseResultAnswers = 1;
    const delivery = channel.postResult('task-1', { chunk: { data: 'a' }, seq: 7 }, new AbortController().signal);
    await pass(100);
    expect(await delivery).toBe('delivered');
    // mcpd may have taken the first one: the same number lets it take the result once.
    expect(sent()).toEqual([
      { result: { chunk: { data: 'a' } }, seq: 7 },
      { result: { chunk: { data: 'a' } }, seq: 7 },
    ]);
  });

  it('gives up after three tries, saying why', async () => {
    await register();
    mcpd.loseResultAnswers = 3;
    const delivery = Promise.resolve(channel.postResult('task-1', { chunk: { data: 'a' }, seq: 1 }, new AbortController().signal)).then(
      () => 'delivered',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await pass(100);
    await pass(300);
    expect(await delivery).toBe(`cannot reach mcpd at ${mcpd.url} for a task result: other side closed (UND_ERR_SOCKET)`);
    expect(sent()).toHaveLength(3);
  });

  it('posts nothing again to an mcpd that did not say it takes each seq once: it might take the repeat too', async () => {
    mcpd.answerStyle = 'minimal';
    await register();
    mcpd.loseResultAnswers = 1;
    await expect(channel.postResult('task-1', { chunk: { data: 'a' }, seq: 1 }, new AbortController().signal)).rejects.toThrow(
      `cannot reach mcpd at ${mcpd.url} for a task result: other side closed (UND_ERR_SOCKET)`,
    );
    expect(sent()).toHaveLength(1);
  });

  it('does not post again a result mcpd answered, even with a refusal', async () => {
    await register();
    mcpd.goneTasks.add('task-1');
    expect(await channel.postResult('task-1', { chunk: { data: 'a' }, seq: 1 }, new AbortController().signal)).toBe('gone');
    mcpd.refuseResults = { status: 400, error: 'invalid task result' };
    await expect(channel.postResult('task-2', { chunk: { data: 'b' }, seq: 1 }, new AbortController().signal)).rejects.toThrow(
      'mcpd answered a task result with HTTP 400: invalid task result',
    );
    expect(mcpd.resultPosts).toBe(2);
  });
});
