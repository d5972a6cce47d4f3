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

const MEMBERS = ['qwen3-alice', 'qwen3-bob', 'qwen3-carol'];

/* mcpd, three mcplocal processes (one per workstation) and their model servers. */
// Once over each transport of the provider channel: SSE + POST stays served beside the socket.
describe.each(['sse', 'websocket'] as const)('a pool of three workstations end to end over %s', (transport) => {
  let dataDir: TempDir;
  let mcpd: SpawnedMcpd;
  const homes: TempDir[] = [];
  const upstreams = new Map<string, FakeUpstream>();
  const publishers = new Map<string, SpawnedMcplocal>();

  async function start(env: Record<string, string>, tokensPerSecond: number): Promise<void> {
    dataDir = await makeTempDir('pool-mcpd-');
    mcpd = await spawnMcpd({ dataDir: dataDir.path, env });
    await Promise.all(MEMBERS.map((name) => publish(name, tokensPerSecond)));
  }

  async function publish(name: string, tokensPerSecond: number): Promise<void> {
    const upstream = upstreams.get(name) ?? (await startFakeUpstream({ tokenCount: 5, tokensPerSecond }));
    upstreams.set(name, upstream);
    const home = await makeTempDir(`pool-${name}-`);
    homes.push(home);
    const provider = { name, type: 'openai', url: upstream.openaiBaseUrl, model: 'qwen3-8b', publish: true, poolName: 'qwen3', maxConcurrent: 2 };
    await writeMcplocalHome(home.path, { providers: [provider] }, { mcpdUrl: mcpd.url, token: mcpd.adminToken });
    publishers.set(name, await spawnMcplocal({ home: home.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: transport } }));
  }

  afterEach(async () => {
    await Promise.all([...publishers.values()].map((publisher) => publisher.stop('SIGKILL')));
    publishers.clear();
    await mcpd.stop();
    await Promise.all([...upstreams.values()].map((upstream) => upstream.close()));
    upstreams.clear();
    await Promise.all([dataDir, ...homes.splice(0)].map((dir) => dir.cleanup()));
  });

  const infer = (stream: boolean, headers: Record<string, string> = {}) =>
    fetch(`${mcpd.url}/api/v1/llms/qwen3/infer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], stream }),
    });
  const pool = async () => (await (await fetch(`${mcpd.url}/api/v1/pools/qwen3`, { headers: { authorization: `Bearer ${mcpd.adminToken}` } })).json()) as Record<string, number>;

  it('answers 60 concurrent requests, never more than 2 in flight per member, spread evenly', async () => {
    await start({}, 50);
    const responses = await Promise.all(Array.from({ length: 60 }, (_, index) => infer(index % 2 === 0)));
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(responses.map((response) => response.status)).toEqual(Array(60).fill(200));
    for (const [index, body] of bodies.entries()) if (index % 2 === 0) expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    for (const name of MEMBERS) {
      expect(upstreams.get(name)!.maxInFlight).toBeLessThanOrEqual(2);
      const served = responses.filter((response) => response.headers.get('x-mcpctl-served-by') === name).length;
      expect(served).toBeGreaterThanOrEqual(16);
      expect(served).toBeLessThanOrEqual(24);
    }
  });

  it('serves the not-yet-started requests of a killed publisher elsewhere and ends its in-flight streams with an error', async () => {
    await start({}, 10);
    const responses = Array.from({ length: 30 }, () => infer(true).then(async (response) => ({ response, body: await response.text() })));
    await upstreams.get('qwen3-bob')!.waitForRequests(2);
    // Let Bob's first tokens reach their callers: those streams have started and cannot move.
    await new Promise((resolve) => setTimeout(resolve, 350));
    await publishers.get('qwen3-bob')!.stop('SIGKILL');
    publishers.delete('qwen3-bob');
    const results = await Promise.all(responses);
    const byBob = results.filter(({ response }) => response.headers.get('x-mcpctl-served-by') === 'qwen3-bob');
    expect(byBob.length).toBeGreaterThanOrEqual(1);
    for (const { body } of byBob) {
      expect(body).toMatch(/"error":\{"message":"the publisher of qwen3-bob disconnected"/);
      expect(body).not.toContain('[DONE]');
    }
    const others = results.filter(({ response }) => response.headers.get('x-mcpctl-served-by') !== 'qwen3-bob');
    expect(others.length).toBe(30 - byBob.length);
    for (const { response, body } of others) {
      expect(response.status).toBe(200);
      expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    expect(byBob.length).toBeLessThanOrEqual(2);
  });

  it('answers 429 when the queue is full and 503 when the wait bound passes', async () => {
    // One caller fills the whole queue here: lift the per-user share (half the queue by default).
    await start({ MCPD_QUEUE_MAX_LENGTH: '4', MCPD_MAX_QUEUED_PER_USER: '4', MCPD_QUEUE_MAX_WAIT_SECONDS: '1' }, 2);
    const running = Array.from({ length: 10 }, () => infer(false));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pool()).toMatchObject({ inFlight: 6, queued: 4 });
    const refused = await infer(false);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    const statuses = (await Promise.all(running)).map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(6);
    expect(statuses.filter((status) => status === 503)).toHaveLength(4);
  });

  it('serves a request that asked to wait when a publisher comes back within the window', async () => {
    await start({}, 50);
    for (const name of MEMBERS) {
      await publishers.get(name)!.stop('SIGTERM');
      publishers.delete(name);
    }
    await expect.poll(async () => (await pool()).inactive, { timeout: 5000 }).toBe(3);
    expect((await infer(false)).status).toBe(503);
    const waiting = infer(false, { 'x-mcpctl-wait-seconds': '20' });
    await publish('qwen3-carol', 50);
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-mcpctl-served-by')).toBe('qwen3-carol');
  });
});
