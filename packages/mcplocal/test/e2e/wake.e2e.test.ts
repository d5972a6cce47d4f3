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
import { afterEach, describe, expect, it } from 'vitest';

/* A model server that starts asleep and comes up a set delay after its wake endpoint is called. */
// Once over each transport of the provider channel: SSE + POST stays served beside the socket.
describe.each(['sse', 'websocket'] as const)('wake on demand end to end over %s', (transport) => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let mcpd: SpawnedMcpd;
  let mcplocal: SpawnedMcplocal;

  async function start(wake: Record<string, unknown>): Promise<void> {
    [dataDir, home] = await Promise.all([makeTempDir('wake-mcpd-'), makeTempDir('wake-home-')]);
    upstream = await startFakeUpstream({ asleep: true, wakeDelayMs: 400, tokenCount: 4 });
    mcpd = await spawnMcpd({ dataDir: dataDir.path, env: { MCPD_WAKE_NOTICE_SECONDS: '0.2', MCPD_WAKE_MARGIN_SECONDS: '1' } });
    const resolved = JSON.parse(JSON.stringify(wake).replaceAll('UPSTREAM', upstream.url)) as Record<string, unknown>;
    const provider = { name: 'sleepy', type: 'openai', url: upstream.openaiBaseUrl, model: 'm', publish: true, wake: resolved };
    await writeMcplocalHome(home.path, { providers: [provider] }, { mcpdUrl: mcpd.url, token: mcpd.adminToken });
    mcplocal = await spawnMcplocal({ home: home.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: transport } });
  }

  afterEach(async () => {
    await mcplocal?.stop();
    await mcpd?.stop();
    await upstream?.close();
    await Promise.all([dataDir?.cleanup(), home?.cleanup()]);
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${mcpd.url}${path}`, { ...init, headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json', ...Object.fromEntries(new Headers(init.headers)) } });
  const infer = (stream = false) =>
    api('/api/v1/llms/sleepy/infer', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], stream }) });
  const view = async () => (await (await api('/api/v1/llms/sleepy')).json()) as Record<string, unknown>;

  it('registers as hibernating, wakes once for 100 concurrent requests, and answers them all', async () => {
    await start({ type: 'http', url: 'UPSTREAM/wake_up', maxWaitSeconds: 10 });
    expect(await view()).toMatchObject({ status: 'hibernating', wakeRecipe: 'http' });
    const responses = await Promise.all(Array.from({ length: 100 }, () => infer()));
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    expect(upstream.wakeCalls).toBe(1);
    expect(await view()).toMatchObject({ status: 'active', lastWakeMs: expect.any(Number) });
  });

  it('wakes with a command recipe and shows a streaming caller that it is waking', async () => {
    const script = "fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1))";
    await start({ type: 'command', command: process.execPath, args: ['-e', script, 'UPSTREAM/wake_up'], maxWaitSeconds: 10 });
    const response = await infer(true);
    const text = await response.text();
    expect(text).toMatch(/^: waking sleepy \ds\n\n/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(upstream.wakeCalls).toBe(1);
  });

  it('answers every waiting caller 503 with Retry-After when the wake fails, and none hangs', async () => {
    await start({ type: 'command', command: 'sh', args: ['-c', 'echo cannot start >&2; exit 3'], maxWaitSeconds: 2 });
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 10 }, () => infer()));
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeTruthy();
      expect(((await response.json()) as { error: string }).error).toMatch(/^waking sleepy failed: /);
    }
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await view()).status).toBe('hibernating');
    expect(mcplocal.output()).toContain('cannot start');
  });

  it('gives up when the backend does not come up within maxWaitSeconds', async () => {
    await start({ type: 'http', url: 'UPSTREAM/health', method: 'GET', maxWaitSeconds: 1 });
    const started = Date.now();
    const response = await infer();
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3500);
    expect((await view()).status).toBe('hibernating');
  });
});
