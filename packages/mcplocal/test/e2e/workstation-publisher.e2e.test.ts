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
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closedPort, TcpProxy } from './support/tcp-proxy.js';

/*
 * One real mcpd, and per case a real mcplocal with fake model servers: how a publisher comes
 * back after its connection dropped, what its failures tell remote callers, and hundreds of
 * relayed streams at once.
 */
let dataDir: TempDir;
let mcpd: SpawnedMcpd;
const homes: TempDir[] = [];
const publishers: SpawnedMcplocal[] = [];
const upstreams: FakeUpstream[] = [];

beforeAll(async () => {
  dataDir = await makeTempDir('publisher-mcpd-');
  // Hundreds of streams relay at once below: let one user have that many requests and result posts in flight.
  mcpd = await spawnMcpd({ dataDir: dataDir.path, env: { MCPD_MAX_RESULT_POSTS_PER_USER: '2048', MCPD_QUEUE_MAX_LENGTH: '1024', MCPD_MAX_INFERENCE_PER_USER: '1024' } });
}, 120_000);

afterEach(async () => {
  await Promise.all(publishers.splice(0).map((publisher) => publisher.stop('SIGKILL')));
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
  await Promise.all(homes.splice(0).map((home) => home.cleanup()));
});

afterAll(async () => {
  await mcpd?.stop();
  await dataDir?.cleanup();
});

async function publish(providers: Array<Record<string, unknown>>, mcpdUrl = mcpd.url, readyMessage?: string): Promise<SpawnedMcplocal> {
  const home = await makeTempDir('publisher-home-');
  homes.push(home);
  await writeMcplocalHome(home.path, { providers }, { mcpdUrl, token: mcpd.adminToken });
  const publisher = await spawnMcplocal({ home: home.path, ...(readyMessage ? { readyMessage } : {}) });
  publishers.push(publisher);
  return publisher;
}

async function upstream(options: Parameters<typeof startFakeUpstream>[0] = {}): Promise<FakeUpstream> {
  const started = await startFakeUpstream(options);
  upstreams.push(started);
  return started;
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${mcpd.url}${path}`, { ...init, headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json', ...Object.fromEntries(new Headers(init.headers)) } });
const infer = (name: string, stream = false) =>
  api(`/api/v1/llms/${name}/infer`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], stream }) });
const statusOf = async (name: string) => ((await (await api(`/api/v1/llms/${name}`)).json()) as { status: string }).status;

/** Polls `check` every 25 ms until it holds; rejects after `timeoutMs` naming `what`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a publisher whose connection to mcpd drops', () => {
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('is back and serving within about a second, not after the 5 s backoff', async () => {
    const local = await upstream({ tokenCount: 3 });
    proxy = await TcpProxy.start(mcpd.port);
    const publisher = await publish([{ name: 'qwen-proxied', type: 'openai', url: local.openaiBaseUrl, model: 'm', publish: true }], proxy.url);
    expect((await infer('qwen-proxied')).status).toBe(200);
    // A stream that is up for a moment is a working connection; one that ends at once is not.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const droppedAt = performance.now();
    proxy.drop();
    await until('mcpd to see the stream gone', async () => (await statusOf('qwen-proxied')) === 'inactive', 5_000);
    await until('the publisher back', async () => (await statusOf('qwen-proxied')) === 'active' && (await infer('qwen-proxied')).status === 200);
    const backAfterMs = performance.now() - droppedAt;

    const reconnectLine = /control stream lost \(.*?\); reconnecting in (\d+) ms/.exec(publisher.output());
    expect(Number(reconnectLine?.[1])).toBeGreaterThanOrEqual(250);
    expect(Number(reconnectLine?.[1])).toBeLessThan(1_000);
    // Under a second of jitter plus a registration; the old schedule waited 5 s at least.
    expect(backAfterMs).toBeLessThan(3_000);
  });
});

/*
 * Two mcpd replicas on one PostgreSQL database behind a balancer: one restarts, the other takes
 * over. Replicas, so NATS: a second mcpd without it is refused beside the first (docs/deploy.md).
 */
describe.skipIf(!process.env.MCPCTL_TEST_DATABASE_URL || !process.env.MCPCTL_TEST_NATS_URL)('a publisher whose mcpd restarts behind a balancer', () => {
  const serverUrl = process.env.MCPCTL_TEST_DATABASE_URL ?? '';
  const databaseName = `mcpctl_t_${randomBytes(8).toString('hex')}`;
  const subjectPrefix = `mcpctl-test-${randomBytes(6).toString('hex')}`;
  const replicas: SpawnedMcpd[] = [];
  const dataDirs: TempDir[] = [];
  let proxy: TcpProxy | undefined;

  async function maintain(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  async function replica(adminToken?: string): Promise<SpawnedMcpd> {
    const dir = await makeTempDir('publisher-replica-');
    dataDirs.push(dir);
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${databaseName}`;
    const env = {
      DATABASE_URL: databaseUrl.toString(),
      MCPD_SECRET_KEY: 'publisher-e2e-secret-key-0123456789',
      MCPD_NATS_URL: process.env.MCPCTL_TEST_NATS_URL ?? '',
      MCPD_NATS_SUBJECT_PREFIX: subjectPrefix,
    };
    const started = await spawnMcpd({ dataDir: dir.path, env, ...(adminToken ? { adminToken } : {}) });
    replicas.push(started);
    return started;
  }

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(replicas.map((started) => started.stop()));
    await Promise.all(dataDirs.map((dir) => dir.cleanup()));
    await maintain(`drop database if exists "${databaseName}" with (force)`).catch(() => undefined);
  });

  it('is served by the next mcpd within about a second of the old one ending its stream', async () => {
    await maintain(`create database "${databaseName}"`);
    const first = await replica();
    const second = await replica(first.adminToken);
    const local = await upstream({ tokenCount: 3 });
    proxy = await TcpProxy.start(first.port);
    const home = await makeTempDir('publisher-home-');
    homes.push(home);
    const provider = { name: 'qwen-balanced', type: 'openai', url: local.openaiBaseUrl, model: 'm', publish: true };
    await writeMcplocalHome(home.path, { providers: [provider] }, { mcpdUrl: proxy.url, token: first.adminToken });
    publishers.push(await spawnMcplocal({ home: home.path }));
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const on = (target: SpawnedMcpd, path: string, init: RequestInit = {}) =>
      fetch(`${target.url}${path}`, { ...init, headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' } });
    const servedBySecond = async () =>
      (await on(second, '/api/v1/llms/qwen-balanced/infer', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }) })).status === 200;

    // The balancer sends new connections to the second replica; the first shuts down, ending its streams.
    proxy.retarget(second.port);
    const endedAt = performance.now();
    const stopping = first.stop();
    await until('the second mcpd to serve the publisher', servedBySecond);
    const backAfterMs = performance.now() - endedAt;
    await stopping;
    // The old schedule waited 5–6.25 s; now under a second of jitter plus a registration.
    expect(backAfterMs).toBeLessThan(3_000);
  }, 180_000);
});

describe('failures relayed from a workstation', () => {
  it('name the provider and never the local URL, the wake URL or their host:port', async () => {
    const [refusedPort, wakePort] = await Promise.all([closedPort(), closedPort()]);
    const refusedUrl = `http://127.0.0.1:${refusedPort}`;
    const wakeUrl = `http://127.0.0.1:${wakePort}/wake`;
    const publisher = await publish([
      // Published as `active` (no wake recipe): its server refuses every connection.
      { name: 'desk-refused', type: 'openai', url: refusedUrl, model: 'm', publish: true },
      // Asleep at start, so it registers hibernating; its wake endpoint refuses too.
      { name: 'desk-sleeper', type: 'openai', url: refusedUrl, model: 'm', publish: true, wake: { type: 'http', url: wakeUrl, maxWaitSeconds: 5 } },
    ]);
    const answers = [await infer('desk-refused'), await infer('desk-refused', true), await infer('desk-sleeper')];
    const texts = await Promise.all(answers.map((answer) => answer.text()));
    expect(answers.map((answer) => answer.status)).toEqual([502, 502, 503]);
    for (const text of texts) {
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain(String(refusedPort));
      expect(text).not.toContain(String(wakePort));
      expect(text).not.toContain('http://');
    }
    expect(texts[0]).toMatch(/desk-refused/);
    expect(texts[0]).toMatch(/ECONNREFUSED/);
    expect(texts[2]).toMatch(/desk-sleeper/);
    expect(texts[2]).toMatch(/wake request/);
    // The workstation's own log keeps the whole story. Its lines come down another pipe than the
    // answers, so the last one may reach this process a moment after the answer did.
    await vi.waitFor(() => {
      expect(publisher.output()).toContain(`127.0.0.1:${refusedPort}`);
      expect(publisher.output()).toContain(wakeUrl);
    }, 5_000);
  });
});

describe('hundreds of relayed streams at once', () => {
  it('all finish, and neither mcpd nor mcplocal warns about listeners', async () => {
    const local = await upstream({ tokenCount: 6, tokensPerSecond: 4 });
    const publisher = await publish([{ name: 'qwen-busy', type: 'openai', url: local.openaiBaseUrl, model: 'm', publish: true }]);
    const mcpdBefore = mcpd.output().length;
    const texts = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const response = await infer('qwen-busy', true);
        return `${response.status} ${await response.text()}`;
      }),
    );
    expect(texts.filter((text) => text.startsWith('200 ') && text.trimEnd().endsWith('data: [DONE]'))).toHaveLength(300);
    // They really were in flight together, all the way to the model server.
    expect(local.maxInFlight).toBeGreaterThan(100);
    expect(publisher.output()).not.toMatch(/MaxListenersExceededWarning|memory leak/);
    expect(mcpd.output().slice(mcpdBefore)).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  }, 120_000);
});
