import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import pg from 'pg';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  createPostgresTestDatabase,
  makeTempDir,
  readChatStream,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const POSTGRES_URL = process.env.MCPCTL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.MCPCTL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const REPLICAS = 3;
const ALPHA = ['Alpha', ' answers', ' from', ' its', ' workstation.'];
const BETA = ['Beta', ' answers', ' over', ' SSE', ' and', ' POST.'];

/**
 * A connection-level round-robin balancer: each new connection goes to the next live replica, as
 * a TCP load balancer in front of mcpd replicas would send it; a replica that refuses is skipped.
 */
class RoundRobinProxy {
  readonly connections = new Map<string, number>();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #next = 0;

  private constructor(readonly targets: string[]) {
    this.#server = createServer((client) => this.#route(client, 0));
  }

  static async start(targets: string[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(targets);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #route(client: Socket, tried: number): void {
    this.#sockets.add(client);
    client.once('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = this.targets[this.#next++ % this.targets.length]!;
    const { hostname, port } = new URL(target);
    const upstream = connect(Number(port), hostname);
    this.#sockets.add(upstream);
    upstream.once('close', () => this.#sockets.delete(upstream));
    upstream.once('connect', () => {
      this.connections.set(target, (this.connections.get(target) ?? 0) + 1);
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => {
      upstream.destroy();
      if (upstream.connecting && tried + 1 < this.targets.length) {
        client.removeAllListeners('close');
        this.#route(client, tried + 1);
      } else client.destroy();
    });
    upstream.once('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/*
 * SPEC §12 §8: three mcpd processes on one fresh PostgreSQL database and the local NATS, behind a
 * connection-level round-robin balancer, with two real mcplocal publishers (one on the provider
 * socket, one on SSE + POST) connected through it. Callers, publishers' connections and result
 * posts each land on any replica; every request is answered by the right publisher.
 */
describe('several mcpd replicas behind a round-robin balancer', () => {
  const dirs: TempDir[] = [];
  const replicas: SpawnedMcpd[] = [];
  const publishers: SpawnedMcplocal[] = [];
  const upstreams: FakeUpstream[] = [];
  let database: { url: string; drop: () => Promise<void> };
  let proxy: RoundRobinProxy;
  const adminToken = `mcpctl_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    database = await createPostgresTestDatabase(POSTGRES_URL);
    const env = {
      DATABASE_URL: database.url,
      MCPD_SECRET_KEY: randomBytes(24).toString('base64url'),
      MCPD_NATS_URL: NATS_URL,
      // A prefix of its own: other tests (and other runs) on the same NATS server hear nothing of these.
      MCPD_NATS_SUBJECT_PREFIX: `mcpctl-test-${randomBytes(6).toString('hex')}`,
    };
    // One after another: the first creates the admin user and applies the migrations.
    for (let index = 0; index < REPLICAS; index += 1) {
      const dir = await makeTempDir('e2e-replica-');
      dirs.push(dir);
      replicas.push(await spawnMcpd({ dataDir: dir.path, adminToken, env }));
    }
    proxy = await RoundRobinProxy.start(replicas.map((replica) => replica.url));
    for (const [name, tokens, transport] of [
      ['alpha', ALPHA, 'websocket'],
      ['beta', BETA, 'sse'],
    ] as const) {
      const upstream = await startFakeUpstream({ tokens: [...tokens] });
      upstreams.push(upstream);
      const home = await makeTempDir(`e2e-${name}-`);
      dirs.push(home);
      await writeMcplocalHome(
        home.path,
        { providers: [{ name, type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true }] },
        { mcpdUrl: proxy.url, token: adminToken },
      );
      publishers.push(await spawnMcplocal({ home: home.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: transport } }));
    }
    await waitUntil(async () => (await status('alpha')) === 'active' && (await status('beta')) === 'active', 20_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(publishers.map((publisher) => publisher.stop('SIGKILL')));
    await proxy?.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(upstreams.map((upstream) => upstream.close()));
    await database?.drop();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  }, 60_000);

  /** A request on a connection of its own, so the balancer sends it to the next replica. */
  const freshConnection = (): OpenAI => {
    const agent = new Agent({ keepAliveTimeout: 1, pipelining: 0 });
    return new OpenAI({
      baseURL: `${proxy.url}/v1`,
      apiKey: adminToken,
      maxRetries: 0,
      fetch: (async (url: string, init: RequestInit) => {
        const response = await undiciFetch(url, { ...(init as object), dispatcher: agent });
        return response;
      }) as unknown as typeof fetch,
    });
  };

  const status = async (name: string): Promise<string | undefined> => {
    const response = await undiciFetch(`${replicas[0]!.url}/api/v1/llms/${name}`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (!response.ok) return undefined;
    return ((await response.json()) as { status?: string }).status;
  };

  const ask = async (model: string, streaming: boolean): Promise<string> => {
    const client = freshConnection();
    if (!streaming) {
      const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });
      return completion.choices[0]?.message.content ?? '';
    }
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const read = await readChatStream(stream, performance.now());
    expect(read.finishReasons).toEqual(['stop']);
    return read.text;
  };

  it('answers every request through any replica with the right publisher, on both transports', async () => {
    const asked: Array<{ model: string; streaming: boolean }> = [];
    for (let index = 0; index < 60; index += 1) asked.push({ model: index % 2 === 0 ? 'alpha' : 'beta', streaming: index % 4 >= 2 });
    const before = new Map(proxy.connections);
    const answers = await Promise.all(asked.map(({ model, streaming }) => ask(model, streaming)));
    answers.forEach((answer, index) => expect(answer).toBe((asked[index]!.model === 'alpha' ? ALPHA : BETA).join('')));
    // Callers reached every replica, so most requests crossed from a caller's replica to a publisher's.
    for (const replica of replicas) expect((proxy.connections.get(replica.url) ?? 0) - (before.get(replica.url) ?? 0)).toBeGreaterThan(5);
  }, 60_000);

  it('keeps each row held by one live replica, and a killed replica takes its sessions with it until they reconnect elsewhere', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const held = async () =>
        (await client.query<{ name: string; replica_id: string | null }>(
          `select l.name, s.replica_id from llms l join provider_sessions s on s.id = l.provider_session_id order by l.name`,
        )).rows;
      const live = async () => (await client.query<{ id: string }>('select id from mcpd_replicas')).rows.map((row) => row.id);
      expect(await live()).toHaveLength(REPLICAS);
      const holders = await held();
      expect(holders.map((row) => row.name)).toEqual(['alpha', 'beta']);
      for (const row of holders) expect(await live()).toContain(row.replica_id);

      // The replica holding alpha's connection dies without a word.
      const replicaIds = replicas.map((replica) => replicaIdOf(replica));
      const victim = replicas[replicaIds.indexOf(holders[0]!.replica_id!)]!;
      proxy.targets.splice(proxy.targets.indexOf(victim.url), 1);
      await victim.stop('SIGKILL');
      replicas.splice(replicas.indexOf(victim), 1);

      // Its publisher reconnects through the balancer to a live replica and is served again.
      await waitUntil(async () => {
        const row = (await held()).find((entry) => entry.name === 'alpha');
        return row?.replica_id !== holders[0]!.replica_id && row?.replica_id !== null;
      }, 10_000);
      await waitUntil(async () => (await status('alpha')) === 'active', 10_000);
      expect(await ask('alpha', true)).toBe(ALPHA.join(''));
      // Within 15 s of its last beat the dead replica's liveness row is swept.
      await waitUntil(async () => !(await live()).includes(holders[0]!.replica_id!), 20_000);
    } finally {
      await client.end();
    }
  }, 60_000);
});

function replicaIdOf(replica: SpawnedMcpd): string {
  for (const line of replica.output().split('\n')) {
    if (!line.includes('mcpd listening')) continue;
    const record = JSON.parse(line) as { replicaId?: string };
    if (record.replicaId) return record.replicaId;
  }
  throw new Error('this mcpd did not name its replica id');
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
