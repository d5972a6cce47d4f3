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
import { replicaEnv } from './support/replica-env.js';

const POSTGRES_URL = process.env.MCPCTL_TEST_DATABASE_URL;
const NATS_URL = process.env.MCPCTL_TEST_NATS_URL;
const REPLICAS = 3;
const ALPHA = ['Alpha', ' answers', ' from', ' its', ' workstation.'];
const BETA = ['Beta', ' answers', ' over', ' SSE', ' and', ' POST.'];
const GAMMA = ['Gamma', ' takes', ' two', ' at', ' a', ' time.'];
const DELTA = ['Delta', ' is', ' public', ' and', ' takes', ' two.'];

/**
 * A connection-level round-robin balancer: each new connection goes to the next live replica, as
 * a TCP load balancer in front of mcpd replicas would send it; a replica that refuses is skipped.
 * Like HAProxy with `option httpchk GET /readyz` (`inter 100ms`, `fall 1`), it probes each
 * replica and sends no new connection to one that is not ready.
 */
class RoundRobinProxy {
  readonly connections = new Map<string, number>();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Replicas whose last probe failed. */
  readonly #unready = new Set<string>();
  readonly #probes: NodeJS.Timeout;
  #next = 0;

  private constructor(readonly targets: string[]) {
    this.#server = createServer((client) => this.#route(client, 0));
    this.#probes = setInterval(() => void this.#probe(), 100);
  }

  static async start(targets: string[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(targets);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  async #probe(): Promise<void> {
    await Promise.all(
      this.targets.map(async (target) => {
        const ready = await undiciFetch(`${target}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
          async (response) => {
            await response.body?.cancel();
            return response.ok;
          },
          () => false,
        );
        if (ready) this.#unready.delete(target);
        else this.#unready.add(target);
      }),
    );
  }

  /** The next replica in turn among the ready ones (among all, should none be ready). */
  #pick(): string {
    const ready = this.targets.filter((target) => !this.#unready.has(target));
    const pool = ready.length > 0 ? ready : this.targets;
    return pool[this.#next++ % pool.length]!;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #route(client: Socket, tried: number): void {
    if (tried === 0) {
      this.#sockets.add(client);
      client.once('close', () => this.#sockets.delete(client));
      client.on('error', () => client.destroy());
    }
    const target = this.#pick();
    const { hostname, port } = new URL(target);
    const upstream = connect(Number(port), hostname);
    this.#sockets.add(upstream);
    upstream.once('close', () => this.#sockets.delete(upstream));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.connections.set(target, (this.connections.get(target) ?? 0) + 1);
      // What the replica wrote reaches the client before its FIN, as a balancer passes a close on;
      // a reset (the error below) is passed on as one.
      upstream.once('close', () => client.end());
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => {
      upstream.destroy();
      // A replica that refused the connection is skipped.
      if (!connected && tried + 1 < this.targets.length) this.#route(client, tried + 1);
      else client.destroy();
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#probes);
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
describe.skipIf(!POSTGRES_URL || !NATS_URL)('several mcpd replicas behind a round-robin balancer (MCPCTL_TEST_DATABASE_URL, MCPCTL_TEST_NATS_URL)', () => {
  const dirs: TempDir[] = [];
  const replicas: SpawnedMcpd[] = [];
  const publishers: SpawnedMcplocal[] = [];
  const upstreams: FakeUpstream[] = [];
  let database: { url: string; drop: () => Promise<void> };
  let proxy: RoundRobinProxy;
  let gamma: FakeUpstream;
  let delta: FakeUpstream;
  const adminToken = `mcpctl_${randomBytes(24).toString('base64url')}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createPostgresTestDatabase(POSTGRES_URL!);
    // Ten probes of the balancer: it has stopped sending new connections before the listener closes.
    env = replicaEnv(database.url, NATS_URL!, { MCPD_SHUTDOWN_DELAY_SECONDS: '1' });
    // All at once, on an empty database: they take turns at the migrations and the admin user.
    const started = await Promise.all(
      Array.from({ length: REPLICAS }, async () => {
        const dir = await makeTempDir('e2e-replica-');
        dirs.push(dir);
        return spawnMcpd({ dataDir: dir.path, adminToken, env });
      }),
    );
    replicas.push(...started);
    proxy = await RoundRobinProxy.start(replicas.map((replica) => replica.url));
    // Beta's publisher also serves gamma, a slow model that takes two requests at a time.
    gamma = await startFakeUpstream({ tokens: [...GAMMA], latencyMs: 40 });
    upstreams.push(gamma);
    for (const [name, tokens, transport] of [
      ['alpha', ALPHA, 'websocket'],
      ['beta', BETA, 'sse'],
    ] as const) {
      const upstream = await startFakeUpstream({ tokens: [...tokens] });
      upstreams.push(upstream);
      const home = await makeTempDir(`e2e-${name}-`);
      dirs.push(home);
      const providers = [{ name, type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true }];
      if (name === 'beta') providers.push({ name: 'gamma', type: 'openai', url: gamma.openaiBaseUrl, model: 'fake-model', publish: true, maxConcurrent: 2 } as never);
      await writeMcplocalHome(home.path, { providers }, { mcpdUrl: proxy.url, token: adminToken });
      publishers.push(await spawnMcplocal({ home: home.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: transport } }));
    }
    // Delta is public: every replica calls its upstream itself, and the claims in the database keep it at two.
    delta = await startFakeUpstream({ tokens: [...DELTA], latencyMs: 40 });
    upstreams.push(delta);
    const created = await undiciFetch(`${replicas[0]!.url}/api/v1/llms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'delta', type: 'openai', model: 'fake-model', url: delta.openaiBaseUrl, maxConcurrent: 2 }),
    });
    expect(created.status).toBe(201);
    await waitUntil(async () => (await status('alpha')) === 'active' && (await status('beta')) === 'active' && (await status('gamma')) === 'active', 20_000);
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
      // Far past any answer here: a request that hangs fails, and names its model, instead of the test's timeout.
      timeout: 30_000,
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

  /** Inference requests one replica answered, from its own metrics. */
  const answeredBy = async (replica: SpawnedMcpd): Promise<number> => {
    const text = await (await undiciFetch(`${replica.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    let total = 0;
    for (const line of text.split('\n')) if (line.startsWith('mcpd_inference_requests_total{')) total += Number(line.split(' ').pop());
    return total;
  };

  it('answers every request through any replica with the right publisher, on both transports', async () => {
    const before = await Promise.all(replicas.map(answeredBy));
    const asked: Array<{ model: string; streaming: boolean }> = [];
    for (let index = 0; index < 300; index += 1) asked.push({ model: index % 2 === 0 ? 'alpha' : 'beta', streaming: index % 4 >= 2 });
    const answers: string[] = [];
    // Thirty at a time: every replica serves callers while the publishers' connections stay where they are.
    for (let start = 0; start < asked.length; start += 30) {
      answers.push(...(await Promise.all(asked.slice(start, start + 30).map(({ model, streaming }) => ask(model, streaming)))));
    }
    answers.forEach((answer, index) => expect(answer).toBe((asked[index]!.model === 'alpha' ? ALPHA : BETA).join('')));
    // Each replica answered callers; two publishers' connections sit on at most two of them, so
    // at least a third of the requests crossed from a caller's replica to a publisher's.
    const after = await Promise.all(replicas.map(answeredBy));
    const served = after.map((count, index) => count - before[index]!);
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(300);
    for (const count of served) expect(count).toBeGreaterThanOrEqual(60);
  }, 120_000);

  it('never runs more than maxConcurrent requests of a model at its upstream, whichever replicas the callers reach', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, index) => ask('gamma', index % 2 === 0)));
    for (const answer of answers) expect(answer).toBe(GAMMA.join(''));
    expect(gamma.maxInFlight).toBe(2);
  }, 60_000);

  it('never runs more than maxConcurrent requests of a public LLM at its upstream, though every replica calls it', async () => {
    const before = await Promise.all(replicas.map(answeredBy));
    const answers = await Promise.all(Array.from({ length: 60 }, (_, index) => ask('delta', index % 2 === 0)));
    for (const answer of answers) expect(answer).toBe(DELTA.join(''));
    expect(delta.maxInFlight).toBe(2);
    // Every replica had callers: without the shared claims each would have run two at once.
    const served = (await Promise.all(replicas.map(answeredBy))).map((count, index) => count - before[index]!);
    for (const count of served) expect(count).toBeGreaterThanOrEqual(15);
    console.log(`public maxConcurrent 2 over ${REPLICAS} replicas: 60 answers (${served.join(' + ')}), the upstream ran at most ${delta.maxInFlight} at once`);
  }, 60_000);

  it("gives a pool's request a member free on any replica rather than a wait behind a busy one, and counts a waiting request as queued, not in flight", async () => {
    // Two public members of one slot each; every answer takes four seconds, time enough for every
    // replica's counts to reach the others while the third request waits.
    const duo = await startFakeUpstream({ tokens: ['One', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight'], tokensPerSecond: 2 });
    upstreams.push(duo);
    for (const name of ['duo-x', 'duo-y']) {
      const created = await undiciFetch(`${replicas[0]!.url}/api/v1/llms`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, type: 'openai', model: 'fake-model', url: duo.openaiBaseUrl, maxConcurrent: 1, poolName: 'duo' }),
      });
      expect(created.status).toBe(201);
    }
    // Each replica hears of the new rows over the bus: every one knows both members before the test asks.
    for (const replica of replicas) {
      await waitUntil(async () => {
        const response = await undiciFetch(`${replica.url}/api/v1/pools/duo`, { headers: { authorization: `Bearer ${adminToken}` } });
        return response.ok && ((await response.json()) as { members: string[] }).members.length === 2;
      }, 10_000);
    }
    /** A streamed request for the pool straight to one replica: who serves it, as soon as its stream opens, and the rest of it. */
    const streamOn = async (replica: SpawnedMcpd) => {
      const response = await undiciFetch(`${replica.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'duo', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(response.status).toBe(200);
      return { servedBy: response.headers.get('x-mcpctl-served-by'), rest: response.text() };
    };
    const poolView = async () => {
      const response = await undiciFetch(`${replicas[0]!.url}/api/v1/pools/duo`, { headers: { authorization: `Bearer ${adminToken}` } });
      return (await response.json()) as { inFlight: number; queued: number };
    };
    // Each replica picks by its own count: both would pick the first member, and the second would wait for it.
    const first = await streamOn(replicas[0]!);
    const second = await streamOn(replicas[1]!);
    expect([first.servedBy, second.servedBy].sort()).toEqual(['duo-x', 'duo-y']);
    const third = streamOn(replicas[2]!);
    // Each replica's share reaches the others within about a second: read until every share is in.
    // Counted as it was, the third would show in flight on its replica, and nothing as queued.
    const views: Array<{ inFlight: number; queued: number }> = [];
    await waitUntil(async () => {
      views.push(await poolView());
      return views.at(-1)!.inFlight === 2 && views.at(-1)!.queued === 1;
    }, 5_000);
    expect(Math.max(...views.map((view) => view.inFlight))).toBe(2);
    await Promise.all([first.rest, second.rest, (await third).rest]);
    expect(duo.maxInFlight).toBe(2);
  }, 60_000);

  it('fails no request while the three replicas restart one after another under load, publishers moving over as each drains', async () => {
    const expected: Record<string, string> = { alpha: ALPHA.join(''), beta: BETA.join(''), gamma: GAMMA.join(''), delta: DELTA.join('') };
    const models = ['alpha', 'beta', 'alpha', 'beta', 'gamma', 'delta'];
    const failures: string[] = [];
    let answered = 0;
    let restarting = true;
    const startedAt = performance.now();
    // Twelve callers, each asking again as soon as it has its answer, until the restarts are over.
    const callers = Array.from({ length: 12 }, async (_, caller) => {
      for (let round = 0; restarting || round < 3; round += 1) {
        const model = models[(caller + round) % models.length]!;
        const streaming = (caller + round) % 2 === 0;
        const askedAt = performance.now();
        const which = () => `${model} (${streaming ? 'streamed' : 'whole'}, asked at +${((askedAt - startedAt) / 1000).toFixed(1)} s)`;
        try {
          const answer = await ask(model, streaming);
          if (answer === expected[model]) answered += 1;
          else failures.push(`${which()}: ${JSON.stringify(answer)}`);
        } catch (error) {
          const cause = (error as { cause?: { message?: string } }).cause?.message;
          failures.push(`${which()}: ${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ''}`);
        }
      }
    });
    for (let index = 0; index < REPLICAS; index += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const old = replicas[index]!;
      // SIGTERM: `/readyz` fails at once and the balancer stops sending it connections; after the
      // shutdown delay it stops listening, finishes what it serves, moves its publishers, then
      // exits; a new replica takes its place.
      await old.stop();
      const dir = await makeTempDir('e2e-replica-');
      dirs.push(dir);
      const fresh = await spawnMcpd({ dataDir: dir.path, adminToken, env });
      replicas[index] = fresh;
      proxy.targets.splice(proxy.targets.indexOf(old.url), 1, fresh.url);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    restarting = false;
    await Promise.all(callers);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(100);
    // Both publishers were held by a replica that restarted, and moved: they are served again now.
    expect(await status('alpha')).toBe('active');
    expect(await status('beta')).toBe('active');
    for (const name of ['alpha', 'beta', 'gamma', 'delta']) expect(await ask(name, true)).toBe(expected[name]);
    // The socket publisher was asked to move (SSE's stream just ended), and took nobody's request with it.
    expect(publishers[0]!.output()).toContain('mcpd asked this publisher to move to another replica');
    // Claims of a replica that stopped went with it: none is left behind to hold a slot.
    expect(delta.maxInFlight).toBe(2);
    const claims = new pg.Client({ connectionString: database.url });
    await claims.connect();
    try {
      await waitUntil(async () => (await claims.query<{ count: number }>('select count(*)::int as count from llm_slot_claims')).rows[0]!.count === 0, 10_000);
    } finally {
      await claims.end();
    }
    console.log(`rolling restart: ${answered} answers, 0 failed; gamma's and delta's upstreams ran at most ${gamma.maxInFlight} and ${delta.maxInFlight} at once (maxConcurrent 2)`);
  }, 120_000);

  it('takes the rows of a killed replica inactive within 15 s, serves callers elsewhere meanwhile, and its publisher again once it reconnects', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const holderOf = async (name: string) =>
        (
          await client.query<{ replica_id: string | null }>(
            `select s.replica_id from llms l join provider_sessions s on s.id = l.provider_session_id where l.name = $1`,
            [name],
          )
        ).rows[0]?.replica_id;
      const live = async () => (await client.query<{ id: string }>('select id from mcpd_replicas')).rows.map((row) => row.id);
      expect(await live()).toHaveLength(REPLICAS);
      const alphaHolder = await holderOf('alpha');
      const betaHolder = await holderOf('beta');
      expect(await live()).toContain(alphaHolder);
      expect(await live()).toContain(betaHolder);

      // Alpha's publisher freezes (it cannot reconnect), then the replica holding its connection dies without a word.
      const alpha = publishers[0]!;
      alpha.process.kill('SIGSTOP');
      const replicaIds = replicas.map((replica) => replicaIdOf(replica));
      const victim = replicas[replicaIds.indexOf(alphaHolder!)]!;
      proxy.targets.splice(proxy.targets.indexOf(victim.url), 1);
      await victim.stop('SIGKILL');
      replicas.splice(replicas.indexOf(victim), 1);
      const killedAt = Date.now();

      // Callers of the other publisher are served throughout (it reconnects at once if it was on the dead replica too).
      if (betaHolder !== alphaHolder) {
        for (let round = 0; round < 10; round += 1) expect(await ask('beta', round % 2 === 0)).toBe(BETA.join(''));
      }
      // 15 s at most by design (dead after 10 s silent, swept every 5 s); room for a loaded machine.
      await waitUntil(async () => (await status('alpha')) === 'inactive', 20_000);
      expect(Date.now() - killedAt).toBeLessThan(20_000);
      expect(await live()).not.toContain(alphaHolder);
      expect(await holderOf('alpha')).toBeNull();

      // Back, it reconnects through the balancer to a live replica and is served again within 10 s.
      alpha.process.kill('SIGCONT');
      const backAt = Date.now();
      await waitUntil(async () => (await status('alpha')) === 'active', 10_000);
      expect(await ask('alpha', true)).toBe(ALPHA.join(''));
      expect(Date.now() - backAt).toBeLessThan(10_000);
      expect(await live()).toContain(await holderOf('alpha'));
    } finally {
      await client.end();
    }
  }, 90_000);

  it('holds requests that arrive while a killed replica\'s publisher reconnects elsewhere, instead of failing them', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const betaHolder = (
        await client.query<{ replica_id: string | null }>(
          `select s.replica_id from llms l join provider_sessions s on s.id = l.provider_session_id where l.name = 'beta'`,
        )
      ).rows[0]?.replica_id;
      const replicaIds = replicas.map((replica) => replicaIdOf(replica));
      expect(replicaIds).toContain(betaHolder);
      const victim = replicas[replicaIds.indexOf(betaHolder!)]!;
      proxy.targets.splice(proxy.targets.indexOf(victim.url), 1);
      await victim.stop('SIGKILL');
      replicas.splice(replicas.indexOf(victim), 1);
      const killedAt = Date.now();
      // Sent at once: beta's rows still read active, nobody holds its session until it reconnects.
      const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => ask('beta', index % 2 === 0)));
      for (const answer of answers) expect(answer).toBe(BETA.join(''));
      expect(Date.now() - killedAt).toBeLessThan(10_000);
    } finally {
      await client.end();
    }
  }, 60_000);
});

/*
 * The replica holding a publisher's provider socket is killed while a stream it carries runs and
 * another request waits in its line for the model's one slot; each caller sits on one of the two
 * other replicas, and the publisher reconnects through the balancer within a second.
 */
describe.skipIf(!POSTGRES_URL || !NATS_URL)('a replica killed under a stream it carries (MCPCTL_TEST_DATABASE_URL, MCPCTL_TEST_NATS_URL)', () => {
  const TOKENS = Array.from({ length: 80 }, (_, index) => ` t${index + 1}`);
  const dirs: TempDir[] = [];
  const replicas: SpawnedMcpd[] = [];
  let publisher: SpawnedMcplocal | undefined;
  let upstream: FakeUpstream | undefined;
  let proxy: RoundRobinProxy | undefined;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const adminToken = `mcpctl_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    database = await createPostgresTestDatabase(POSTGRES_URL!);
    const env = replicaEnv(database.url, NATS_URL!, { MCPD_RECONNECT_GRACE_SECONDS: '3' });
    for (let index = 0; index < 3; index += 1) {
      const dir = await makeTempDir('e2e-killed-');
      dirs.push(dir);
      replicas.push(await spawnMcpd({ dataDir: dir.path, adminToken, env }));
    }
    proxy = await RoundRobinProxy.start(replicas.map((replica) => replica.url));
    upstream = await startFakeUpstream({ tokens: TOKENS, tokensPerSecond: 40 });
    const home = await makeTempDir('e2e-killed-home-');
    dirs.push(home);
    const providers = [{ name: 'paced', type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true, maxConcurrent: 1 }];
    await writeMcplocalHome(home.path, { providers }, { mcpdUrl: proxy.url, token: adminToken });
    publisher = await spawnMcplocal({ home: home.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: 'websocket' } });
    await waitUntil(async () => (await holderOf('paced')) !== null, 20_000);
  }, 120_000);

  afterAll(async () => {
    await publisher?.stop('SIGKILL');
    await proxy?.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await upstream?.close();
    await database?.drop();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  }, 60_000);

  const holderOf = async (name: string): Promise<string | null> => {
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      const found = await client.query<{ replica_id: string | null }>(
        `select s.replica_id from llms l join provider_sessions s on s.id = l.provider_session_id where l.name = $1`,
        [name],
      );
      return found.rows[0]?.replica_id ?? null;
    } finally {
      await client.end();
    }
  };

  /** How a stream ended: whole, or with an error the client raised; never a finish after a hole. */
  const streamFrom = async (replica: SpawnedMcpd): Promise<{ text: string; finishReasons: string[]; error?: string; ms: number }> => {
    const started = performance.now();
    const client = new OpenAI({ baseURL: `${replica.url}/v1`, apiKey: adminToken, maxRetries: 0, timeout: 45_000 });
    let text = '';
    const finishReasons: string[] = [];
    try {
      const stream = await client.chat.completions.create({ model: 'paced', messages: [{ role: 'user', content: 'Hi' }], stream: true });
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      }
      return { text, finishReasons, ms: performance.now() - started };
    } catch (error) {
      return { text, finishReasons, error: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
    }
  };

  it('ends each answer whole or with an error, never with a hole, and fails a request that waited in its line instead of holding it', async () => {
    const holder = await holderOf('paced');
    const ids = replicas.map((replica) => replicaIdOf(replica));
    const victim = replicas[ids.indexOf(holder!)]!;
    const [one, other] = replicas.filter((replica) => replica !== victim);
    const running = streamFrom(one!);
    await waitUntil(async () => upstream!.requests.length === 1, 10_000);
    // The model's one slot is taken by a caller of another replica: this one waits in the holder's line.
    const waiting = streamFrom(other!);
    await new Promise((resolve) => setTimeout(resolve, 700));
    proxy!.targets.splice(proxy!.targets.indexOf(victim.url), 1);
    await victim.stop('SIGKILL');
    const killedAt = performance.now();

    const first = await running;
    if (first.error === undefined) {
      expect(first.text).toBe(TOKENS.join(''));
      expect(first.finishReasons).toEqual(['stop']);
    } else {
      expect(first.error).toMatch(/lost on its way from its publisher|disconnected/);
      expect(first.finishReasons).toEqual([]);
    }
    const second = await waiting;
    // Found dead within 15 s, then the reconnect grace (3 s here) and a presence round (5 s).
    expect(performance.now() - killedAt).toBeLessThan(30_000);
    if (second.error === undefined) expect(second.text).toBe(TOKENS.join(''));
    else expect(second.error).toMatch(/publisher of paced/);
  }, 90_000);
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
