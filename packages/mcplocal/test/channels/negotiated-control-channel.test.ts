import { ManualClock } from '@mcpctl/clock/manual';
import type { TaskResult } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistrarHarness } from '../registrar/registrar-harness.js';
import { eventually } from '../support/eventually.js';
import { UpgradeRefusingProxy } from '../support/upgrade-refusing-proxy.js';

let harness: RegistrarHarness | undefined;
let proxy: UpgradeRefusingProxy | undefined;

afterEach(async () => {
  await harness?.close();
  await proxy?.close();
  harness = undefined;
  proxy = undefined;
});

const REQUEST = { model: 'local-qwen', messages: [{ role: 'user', content: 'Say hello.' }] };
const FALLBACK = 'falling back to SSE + POST';
const PROXY_HINT = "not in mcpd's words: likely a proxy in front of it that does not pass WebSocket upgrades (docs/virtual-llms.md says how to let them through)";

async function start(options: { socket: boolean; upstream?: Parameters<typeof RegistrarHarness.start>[0] }): Promise<RegistrarHarness> {
  harness = await RegistrarHarness.start(options.upstream ?? {}, { socket: options.socket });
  return harness;
}

function isDone(result: TaskResult): boolean {
  return 'chunk' in result && result.chunk.done === true;
}

/** Serves one streamed task and resolves once its last chunk reached mcpd. */
async function serveOneTask(h: RegistrarHarness, taskId: string): Promise<void> {
  h.mcpd.pushTask({ kind: 'infer', taskId, llmName: 'local-qwen', request: REQUEST, streaming: true });
  await h.mcpd.waitFor(`the end of ${taskId}`, () => h.mcpd.resultsOf(taskId).some(isDone));
}

const openLines = (h: RegistrarHarness) => h.lines.info.filter((line) => line.startsWith('control stream open'));
const fallbackLines = (h: RegistrarHarness) => h.lines.warn.filter((line) => line.includes(FALLBACK));

describe('the negotiated control channel', () => {
  it('takes the socket mcpd advertises and serves tasks over it', async () => {
    const h = await start({ socket: true });
    await h.negotiatedRegistrar().start();
    await serveOneTask(h, 'task-1');
    expect(h.mcpd.socketOpens).toHaveLength(1);
    expect(h.mcpd.streamOpens).toEqual([]);
    expect(openLines(h)).toEqual(['control stream open over websocket: serving tasks from mcpd']);
    expect(h.lines.warn).toEqual([]);
  });

  it('speaks SSE + POST to an mcpd that advertises no socket, without a word of fallback', async () => {
    const h = await start({ socket: false });
    await h.negotiatedRegistrar().start();
    await serveOneTask(h, 'task-1');
    expect(h.mcpd.streamOpens).toHaveLength(1);
    expect(h.mcpd.socketOpens).toEqual([]);
    expect(openLines(h)).toEqual(['control stream open over sse: serving tasks from mcpd']);
    expect(h.lines.warn).toEqual([]);
  });

  it.each([404, 502])('falls back to SSE + POST in one line when a proxy answers the upgrade with %i, and stays there on reconnects', async (status) => {
    const h = await start({ socket: true });
    proxy = await UpgradeRefusingProxy.start(h.mcpd.url, status);
    await h.negotiatedRegistrar({ url: proxy.url }).start();
    await serveOneTask(h, 'task-1');
    expect(h.mcpd.streamOpens).toHaveLength(1);
    expect(fallbackLines(h)).toEqual([
      `the provider socket did not come up (mcpd answered the provider socket with HTTP ${status}: ${status === 404 ? 'Not Found' : 'Bad Gateway'}; ${PROXY_HINT}); ${FALLBACK}, and trying the socket again in 10 min`,
    ]);

    h.mcpd.dropStreams();
    await h.mcpd.waitFor('the stream reopened', () => h.mcpd.streamOpens.length === 2 && h.mcpd.openStreams === 1);
    await serveOneTask(h, 'task-2');
    expect(proxy.refusedUpgrades).toBe(1);
    expect(fallbackLines(h)).toHaveLength(1);
    expect(openLines(h)).toEqual(['control stream open over sse: serving tasks from mcpd', 'control stream open over sse: serving tasks from mcpd']);
  });

  it('tries the socket again at the first reopen once the fallback\'s hold has passed', async () => {
    const h = await start({ socket: true });
    proxy = await UpgradeRefusingProxy.start(h.mcpd.url, 502);
    const clock = new ManualClock();
    await h.negotiatedRegistrar({ url: proxy.url, clock, socketRetryMs: 60_000 }).start();
    await h.mcpd.waitFor('the SSE stream', () => h.mcpd.openStreams === 1);
    clock.advance(60_000);
    // A stream that works is not ended to try the socket: only the next reopen tries it.
    expect(proxy.refusedUpgrades).toBe(1);
    h.mcpd.dropStreams();
    await h.mcpd.waitFor('the stream reopened', () => h.mcpd.streamOpens.length === 2 && h.mcpd.openStreams === 1);
    expect(proxy.refusedUpgrades).toBe(2);
    await eventually('the second fallback line', () => fallbackLines(h).length === 2);
  });

  it('does not fall back when mcpd refuses the token on the upgrade: that is a refused token, as on SSE', async () => {
    const h = await start({ socket: true });
    h.mcpd.refuseUpgrade = { status: 401, error: 'missing or invalid bearer token' };
    await h.negotiatedRegistrar().start();
    await eventually('the refusal logged', () => h.lines.error.length > 0);
    expect(h.lines.error[0]).toContain('mcpd refused this mcplocal: mcpd answered the provider socket with HTTP 401: missing or invalid bearer token');
    expect(h.mcpd.streamOpens).toEqual([]);
    expect(fallbackLines(h)).toEqual([]);
  });

  it('neither falls back nor holds SSE when SSE fails as well: mcpd itself is the trouble, and the socket is tried again first', async () => {
    const h = await start({ socket: true });
    const refusal = { status: 503, error: 'mcpd is shutting down' };
    h.mcpd.refuseUpgrade = refusal;
    h.mcpd.refuseStream = refusal;
    await h.negotiatedRegistrar().start();
    await eventually('the failed attempt logged', () => h.lines.warn.length > 0);
    expect(h.lines.warn[0]).toMatch(
      /^cannot open the control stream \(mcpd answered the control stream with HTTP 503: mcpd is shutting down \(after the provider socket failed: mcpd answered the provider socket with HTTP 503: mcpd is shutting down\)\); reconnecting in \d+ ms$/,
    );
    h.mcpd.refuseUpgrade = undefined;
    h.mcpd.refuseStream = undefined;
    await h.mcpd.waitFor('the socket', () => h.mcpd.openSockets.size === 1);
    expect(h.mcpd.streamOpens).toEqual([]);
    expect(fallbackLines(h)).toEqual([]);
  });

  it('never falls back when forced onto the socket, and refuses an mcpd that offers none', async () => {
    const h = await start({ socket: true });
    proxy = await UpgradeRefusingProxy.start(h.mcpd.url, 502);
    await h.negotiatedRegistrar({ url: proxy.url, mode: 'websocket' }).start();
    await eventually('two refused upgrades', () => proxy!.refusedUpgrades >= 2);
    expect(h.mcpd.streamOpens).toEqual([]);
    expect(fallbackLines(h)).toEqual([]);
    expect(h.lines.warn.some((line) => line.startsWith('cannot open the control stream (mcpd answered the provider socket with HTTP 502'))).toBe(true);

    h.mcpd.serveSocket = false;
    const refused = await h.negotiatedRegistrar({ mode: 'websocket' }).start().catch((error: unknown) => error);
    expect(refused).toMatchObject({ message: expect.stringContaining('does not offer the provider socket') as string });
  });

  it('stays on SSE + POST when forced, though mcpd offers the socket', async () => {
    const h = await start({ socket: true });
    await h.negotiatedRegistrar({ mode: 'sse' }).start();
    await serveOneTask(h, 'task-1');
    expect(h.mcpd.socketOpens).toEqual([]);
    expect(openLines(h)).toEqual(['control stream open over sse: serving tasks from mcpd']);
  });

  it('stops a task mcpd sent gone for over the socket, as a 404 to a result post does over HTTP', async () => {
    const h = await start({ socket: true, upstream: { tokensPerSecond: 10, tokenCount: 50 } });
    await h.negotiatedRegistrar().start();
    h.mcpd.pushTask({ kind: 'infer', taskId: 'task-4', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await h.mcpd.waitFor('the first chunk', () => h.mcpd.resultsOf('task-4').length >= 1);
    h.mcpd.goneTasks.add('task-4');
    await h.upstream.waitForCancelled(1);
    await eventually('the task stopped', () => h.lines.info.includes('infer task for local-qwen stopped: mcpd no longer wants this task'));
    expect(h.mcpd.resultsOf('task-4').some(isDone)).toBe(false);
    expect(h.lines.warn).toEqual([]);
  });

  it('notices a socket silent for 30 s on its clock and opens a new one', async () => {
    const h = await start({ socket: true });
    const clock = new ManualClock();
    await h.negotiatedRegistrar({ clock }).start();
    await h.mcpd.waitFor('the socket', () => h.mcpd.openSockets.size === 1);
    clock.advance(30_000);
    await h.mcpd.waitFor('a second socket', () => h.mcpd.socketOpens.length === 2 && h.mcpd.openSockets.size === 1);
    expect(h.lines.warn.some((line) => line.startsWith('control stream lost (mcpd sent nothing on the provider socket for 30 s); reconnecting in'))).toBe(true);
    expect(h.mcpd.registrations).toHaveLength(2);
  });
});
