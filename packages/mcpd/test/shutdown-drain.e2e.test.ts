import { errorBodySchema } from '@mcpctl/protocol';
import {
  makeTempDir,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const STREAMS = 10;

/* Real mcpd, real mcplocal, a paced fake model server: SIGTERM while streams are under way. */
describe('SIGTERM drains relayed and public streams', () => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let mcpd: SpawnedMcpd | undefined;
  let mcplocal: SpawnedMcplocal | undefined;

  beforeEach(async () => {
    [dataDir, home, upstream] = await Promise.all([makeTempDir('drain-mcpd-'), makeTempDir('drain-home-'), startFakeUpstream({ tokenCount: 20, tokensPerSecond: 10 })]);
  });

  afterEach(async () => {
    await mcplocal?.stop('SIGKILL');
    await mcpd?.stop('SIGKILL');
    await upstream.close();
    await Promise.all([dataDir.cleanup(), home.cleanup()]);
  });

  const start = async (env: Record<string, string> = {}) => {
    mcpd = await spawnMcpd({ dataDir: dataDir.path, env });
    await writeMcplocalHome(
      home.path,
      { providers: [{ name: 'relayed', type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true }] },
      { mcpdUrl: mcpd.url, token: mcpd.adminToken },
    );
    mcplocal = await spawnMcplocal({ home: home.path });
    await api('/api/v1/llms', { method: 'POST', body: JSON.stringify({ name: 'direct', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl }) });
  };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${mcpd!.url}${path}`, { ...init, headers: { authorization: `Bearer ${mcpd!.adminToken}`, 'content-type': 'application/json', ...Object.fromEntries(new Headers(init.headers)) } });
  const stream = (model: string) =>
    api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true }) });

  /** Reads a streamed answer until its first content has arrived; the rest is read later. */
  const begin = async (model: string) => {
    const response = await stream(model);
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"content":"')) {
      const next = await reader.read();
      if (next.done) throw new Error(`the stream of ${model} ended before its first token: ${text}`);
      text += decoder.decode(next.value, { stream: true });
    }
    return {
      rest: async () => {
        try {
          for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value, { stream: true });
          return { text, reset: false };
        } catch {
          return { text, reset: true };
        }
      },
    };
  };
  const exitOf = (service: SpawnedMcpd) => new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
  /** Resolves once the process has written `text`: its own word that it got there, not a guess at its timing. */
  const says = (service: SpawnedMcpd, text: string) =>
    new Promise<void>((resolve) => {
      let seen = '';
      const read = (bytes: Buffer) => {
        seen = (seen + bytes.toString()).slice(-64 * 1024);
        if (!seen.includes(text)) return;
        service.process.stdout!.off('data', read);
        resolve();
      };
      service.process.stdout!.on('data', read);
    });

  it(`finishes ${STREAMS} relayed streams and a public one, refuses new work with 503 meanwhile, then exits 0`, async () => {
    // A deadline past the test's own timeout: only the drain itself can end this in time.
    await start({ MCPD_SHUTDOWN_DEADLINE_SECONDS: '600' });
    const started = await Promise.all([...Array.from({ length: STREAMS }, () => begin('relayed')), begin('direct')]);
    const exited = exitOf(mcpd!);
    const draining = says(mcpd!, '"msg":"shutting down"');
    mcpd!.process.kill('SIGTERM');

    // Balancers see it first: readiness fails as soon as the drain begins (mcpd logs, then drains, in one step).
    await draining;
    expect((await fetch(`${mcpd!.url}/readyz`)).status).toBe(503);
    const refused = await stream('relayed');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorBodySchema.parse(await refused.json()).error).toMatch(/shutting down/);

    const ended = await Promise.all(started.map((answer) => answer.rest()));
    for (const { text, reset } of ended) {
      expect(reset).toBe(false);
      expect(text).not.toContain('"error"');
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    expect(await exited).toBe(0);
    // Out as soon as the answers (2 s each) were done, not at the deadline.
    expect(mcpd!.output()).not.toContain('shutdown deadline reached');
  });

  it('with a shutdown delay, keeps serving while /readyz answers 503, then drains', async () => {
    // Answers of a second: all that follows fits in the delay, with room for a loaded machine.
    upstream.setBehavior({ tokenCount: 10, tokensPerSecond: 10 });
    await start({ MCPD_SHUTDOWN_DELAY_SECONDS: '4' });
    const running = await begin('relayed');
    const exited = exitOf(mcpd!);
    const leaving = says(mcpd!, 'draining after the shutdown delay');
    mcpd!.process.kill('SIGTERM');
    const signalledAt = performance.now();
    await leaving;

    // Out of the balancer's rotation, still serving: what arrives meanwhile is answered, each
    // answer closing its connection so that kept-alive clients move to another replica.
    expect((await fetch(`${mcpd!.url}/readyz`)).status).toBe(503);
    const served = await api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'direct', messages: [{ role: 'user', content: 'Hi' }] }) });
    expect(served.status).toBe(200);
    expect(served.headers.get('connection')).toBe('close');
    await served.body?.cancel();
    // A stream too: a balancer's kept-alive connections bring the next streams to a replica that stays.
    const streamed = await stream('relayed');
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('connection')).toBe('close');
    await streamed.body?.cancel();
    // A publisher must not settle here: a new control stream is refused at once.
    const control = await api('/api/v1/llms/_provider-stream', { headers: { accept: 'text/event-stream' } });
    expect(control.status).toBe(503);
    await control.body?.cancel();

    // Then the drain: new work gets 503, no sooner than the delay after the signal.
    let refused: Response;
    for (refused = await stream('relayed'); refused.status === 200; refused = await stream('relayed')) await refused.body?.cancel();
    expect(refused.status).toBe(503);
    expect(performance.now() - signalledAt).toBeGreaterThanOrEqual(3_900);
    const { text, reset } = await running.rest();
    expect(reset).toBe(false);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await exited).toBe(0);
  });

  it('lets a slow reader take the whole of an answer given before the close, however long it sits in the socket', async () => {
    // 32 MiB: more than the kernel's and the client's buffers hold, so most of it waits in mcpd's
    // socket; with its envelope, more than the default bound on an upstream's answer, so raised.
    const piece = 'x'.repeat(4096);
    upstream.setBehavior({ tokens: Array.from({ length: 8192 }, () => piece), tokensPerSecond: undefined });
    await start({ MCPD_MAX_RESULT_BYTES: String(64 * 1024 * 1024) });
    const response = await api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'direct', messages: [{ role: 'user', content: 'Hi' }] }) });
    expect(response.status).toBe(200);
    const exited = exitOf(mcpd!);
    mcpd!.process.kill('SIGTERM');
    // The reader takes its time: longer than mcpd waits for connections still busy at the close.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content.length).toBe(8192 * 4096);
    expect(await exited).toBe(0);
  });

  it('ends streams still running at the deadline with an error frame, never a bare reset', async () => {
    upstream.setBehavior({ tokenCount: 200, tokensPerSecond: 5 });
    await start({ MCPD_SHUTDOWN_DEADLINE_SECONDS: '1' });
    const started = await Promise.all([begin('relayed'), begin('direct')]);
    const exited = exitOf(mcpd!);
    mcpd!.process.kill('SIGTERM');
    const ended = await Promise.all(started.map((answer) => answer.rest()));
    for (const { text, reset } of ended) {
      expect(reset).toBe(false);
      expect(text).toMatch(/data: \{"error":\{"message":"mcpd shut down before the answer finished"/);
      expect(text).not.toContain('[DONE]');
    }
    expect(await exited).toBe(0);
    // 200 tokens at 5/s would take 40 s: the deadline, not the answer, ended it.
    expect(mcpd!.output()).toContain('shutdown deadline reached');
  });
});
