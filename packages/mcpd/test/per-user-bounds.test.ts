import { connect, type Socket } from 'node:net';
import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';
import { eventually } from './support/eventually.js';

/*
 * Resource bounds per user (SPEC §9): a stalled request body is cut, a user's inference
 * requests in flight and queued per LLM are capped, and so are the provider sessions, threads
 * and agents a user may keep. Each refusal is a 429 with a message that says what to do, and
 * leaves everyone else, and everything stored, as it was.
 */

const [embedded] = testDatabaseVariants();

const BODY_TIMEOUT_SECONDS = 0.5;
const INFERENCE_PER_USER = 4;
const QUEUE_LENGTH = 4;

let mcpd: TestServer;
let upstream: FakeUpstream;
let mia = '';
let bob = '';
const controllers: AbortController[] = [];
const streams: ProviderStream[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream({ tokenCount: 3 });
  mcpd = await startTestServer({
    database: await embedded!.open(),
    env: {
      MCPD_BODY_TIMEOUT_SECONDS: String(BODY_TIMEOUT_SECONDS),
      MCPD_MAX_INFERENCE_PER_USER: String(INFERENCE_PER_USER),
      MCPD_QUEUE_MAX_LENGTH: String(QUEUE_LENGTH),
      MCPD_QUEUE_MAX_WAIT_SECONDS: '60',
      MCPD_MAX_PROVIDER_SESSIONS_PER_USER: '2',
      MCPD_MAX_THREADS_PER_USER: '2',
      MCPD_MAX_AGENTS_PER_USER: '2',
      MCPD_MAX_LLMS_PER_USER: '3',
      MCPD_MAX_TOKENS_PER_USER: '3',
    },
  });
  const { db } = mcpd.server.services.database;
  mia = await addUser(db, 'mia');
  bob = await addUser(db, 'bob');
  const llm = (name: string, extra: Record<string, unknown> = {}) =>
    mcpd.api('/api/v1/llms', { json: { name, type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, ...extra } });
  expect((await llm('gpt')).status).toBe(201);
  expect((await llm('narrow', { maxConcurrent: 1 })).status).toBe(201);
  expect((await mcpd.api('/api/v1/agents', { json: { name: 'helper', llm: 'gpt' } })).status).toBe(201);
}, 60_000);

afterEach(() => {
  for (const controller of controllers.splice(0)) controller.abort();
  for (const stream of streams.splice(0)) stream.close();
  upstream.setBehavior({ mode: 'normal' });
});

afterAll(async () => {
  const database = mcpd?.server.services.database;
  await mcpd?.close();
  await database?.close();
  await upstream?.close();
});

const chat = (content = 'Hi') => ({ messages: [{ role: 'user', content }] });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

/** An inference request left hanging on the upstream until the test aborts it. */
function hanging(path: string, token: string, json: unknown = chat()): Promise<Response | undefined> {
  const controller = new AbortController();
  controllers.push(controller);
  return mcpd.api(path, { json, token, signal: controller.signal }).catch(() => undefined);
}

/** A raw HTTP/1.1 exchange, so the test decides when each byte of the body goes out. */
class RawExchange {
  readonly socket: Socket;
  answer = '';
  readonly closed: Promise<void>;
  /** Resolves with the first bytes of the answer. */
  readonly answered: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8').on('data', (text: string) => (this.answer += text));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.answered = new Promise((resolve) => this.socket.once('data', () => resolve()));
  }

  head(path: string, token: string | undefined, contentLength: number): void {
    const authorization = token === undefined ? '' : `Authorization: Bearer ${token}\r\n`;
    this.socket.write(`POST ${path} HTTP/1.1\r\nHost: mcpd\r\n${authorization}Content-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`);
  }
}

const port = () => Number(new URL(mcpd.url).port);

describe('a request body that stalls', () => {
  it(`is cut with 408 after ${BODY_TIMEOUT_SECONDS} s of silence and its connection closed; nothing is created`, async () => {
    const body = JSON.stringify({ name: 'stalled-agent', llm: 'gpt' });
    const exchange = new RawExchange(port());
    exchange.head('/api/v1/agents', mia, body.length);
    exchange.socket.write(body.slice(0, 10));
    await exchange.closed;
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(exchange.answer).toContain(`{"error":"the request body stalled for ${BODY_TIMEOUT_SECONDS} s; send it again"}`);
    expect((await mcpd.api('/api/v1/agents/stalled-agent')).status).toBe(404);
  });

  it('of a request refused before its body was read (no token) ends with the answer: it cannot hold the connection byte by byte', async () => {
    const exchange = new RawExchange(port());
    exchange.head('/api/v1/agents', undefined, 1000);
    exchange.socket.write('{');
    await exchange.closed;
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(exchange.answer.toLowerCase()).toContain('connection: close');
  });

  it('a body that keeps arriving, slower than the timeout in total, is read to the end', async () => {
    const body = JSON.stringify({ name: 'slow-agent', llm: 'gpt', description: 'arrives a piece at a time' });
    const exchange = new RawExchange(port());
    exchange.head('/api/v1/agents', mia, body.length);
    const pieces = body.match(/.{1,8}/g)!;
    // Real pauses: the body timeout is the socket's own idle timer, which no injected clock drives.
    for (const piece of pieces) {
      exchange.socket.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await exchange.answered;
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(pieces.length * 150).toBeGreaterThan(BODY_TIMEOUT_SECONDS * 1000 * 2);
    exchange.socket.destroy();
    expect((await mcpd.api('/api/v1/agents/slow-agent', { method: 'DELETE' })).status).toBe(204);
  });

  it('never cuts a control stream or a caller waiting on a slow model once its body is in', async () => {
    const registered = await mcpd.api('/api/v1/llms/_provider-register', { token: bob, json: { providers: [{ name: 'bob-local', type: 'openai', model: 'm' }] } });
    expect(registered.status).toBe(201);
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    const stream = await ProviderStream.open(mcpd.url, bob, providerSessionId);
    streams.push(stream);
    expect(stream.status).toBe(200);
    upstream.setBehavior({ latencyMs: BODY_TIMEOUT_SECONDS * 1000 * 4 });
    const slow = await mcpd.api('/api/v1/llms/gpt/infer', { json: chat(), token: mia });
    expect(slow.status).toBe(200);
    upstream.setBehavior({ latencyMs: 0 });
    expect(stream.closed).toBe(false);
    stream.close();
    expect((await mcpd.api('/api/v1/llms/bob-local', { method: 'DELETE' })).status).toBe(204);
  });
});

describe('inference requests per user', () => {
  it(`past ${INFERENCE_PER_USER} in flight: 429 for that user only, and a slot frees when one ends`, async () => {
    upstream.setBehavior({ mode: 'hang' });
    const before = upstream.requests.length;
    const held = Array.from({ length: INFERENCE_PER_USER }, (_, index) =>
      hanging(index % 2 === 0 ? '/api/v1/llms/gpt/infer' : '/v1/chat/completions', mia, index % 2 === 0 ? chat() : { model: 'gpt', ...chat() }),
    );
    await upstream.waitForRequests(before + INFERENCE_PER_USER);
    for (const [path, json] of [
      ['/api/v1/llms/gpt/infer', chat()],
      ['/v1/chat/completions', { model: 'gpt', ...chat() }],
      ['/api/v1/agents/helper/chat', chat()],
    ] as const) {
      const refused = await mcpd.api(path, { json, token: mia });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await errorOf(refused)).toBe(`you already have ${INFERENCE_PER_USER} inference requests open; wait for some to finish`);
    }
    expect(upstream.requests.length - before).toBe(INFERENCE_PER_USER);
    // Another user is not held back by mia's requests.
    upstream.setBehavior({ mode: 'normal' });
    expect((await mcpd.api('/api/v1/llms/gpt/infer', { json: chat(), token: bob })).status).toBe(200);
    for (const controller of controllers.splice(0)) controller.abort();
    await Promise.all(held);
    await eventually(async () => (await mcpd.api('/api/v1/llms/gpt/infer', { json: chat(), token: mia })).status === 200);
  });
});

describe('queued requests per user and LLM', () => {
  let miaId = '';
  beforeAll(async () => {
    const users = (await (await mcpd.api('/api/v1/users')).json()) as Array<{ id: string; name: string }>;
    miaId = users.find((user) => user.name === 'mia')!.id;
  });

  it(`one user may fill at most half of an LLM's queue (${QUEUE_LENGTH / 2} of ${QUEUE_LENGTH}); others still get in line`, async () => {
    upstream.setBehavior({ mode: 'hang' });
    const serving = hanging('/api/v1/llms/narrow/infer', mia);
    await eventually(async () => (await queueDepth()) === 0);
    await eventually(() => mcpd.server.services.limits.inference.heldBy(miaId) === 1);
    const queued = [hanging('/api/v1/llms/narrow/infer', mia), hanging('/api/v1/llms/narrow/infer', mia)];
    await eventually(async () => (await queueDepth()) === 2);
    const refused = await mcpd.api('/api/v1/llms/narrow/infer', { json: chat(), token: mia });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toBe(`you already have ${QUEUE_LENGTH / 2} requests waiting for narrow, the most one user may queue for it; try again shortly`);
    // bob still gets a place in the queue mia could not fill.
    const bobWaiting = hanging('/api/v1/llms/narrow/infer', bob);
    await eventually(async () => (await queueDepth()) === 3);
    for (const controller of controllers.splice(0)) controller.abort();
    await Promise.all([serving, ...queued, bobWaiting]);
  });
});

/** Requests waiting in every queue, as `/metrics` reports them. */
async function queueDepth(): Promise<number> {
  const text = await (await mcpd.api('/metrics')).text();
  return Number(/^mcpd_queue_depth (\d+)$/m.exec(text)?.[1]);
}

describe('stored rows per user', () => {
  it('provider sessions: past the cap 429, nothing created; an existing session id is still reused', async () => {
    const register = (name: string, providerSessionId?: string) =>
      mcpd.api('/api/v1/llms/_provider-register', {
        token: mia,
        json: { providers: [{ name, type: 'openai', model: 'm' }], ...(providerSessionId ? { providerSessionId } : {}) },
      });
    const first = (await (await register('mia-local')).json()) as { providerSessionId: string };
    expect((await register('mia-other')).status).toBe(201);
    const refused = await register('mia-third');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(await errorOf(refused)).toMatch(/^that would make more than 2 provider sessions, the most one user may have; register again with a session id/);
    expect((await mcpd.api('/api/v1/llms/mia-third')).status).toBe(404);
    const reused = await register('mia-local', first.providerSessionId);
    expect(reused.status).toBe(201);
    expect(((await reused.json()) as { providerSessionId: string }).providerSessionId).toBe(first.providerSessionId);
    expect((await mcpd.api('/api/v1/llms/mia-local')).status).toBe(200);
  });

  it('threads: past the cap 429 before the model is asked; chatting in an existing thread goes on', async () => {
    const started: string[] = [];
    for (let index = 0; index < 2; index += 1) {
      const response = await mcpd.api('/api/v1/agents/helper/chat', { json: chat(`thread ${index}`), token: bob });
      expect(response.status).toBe(200);
      started.push(response.headers.get('x-mcpctl-thread-id')!);
    }
    const calls = upstream.requests.length;
    const refused = await mcpd.api('/api/v1/agents/helper/chat', { json: chat('one more'), token: bob });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toBe('that would make more than 2 threads, the most one user may have; delete old ones (mcpctl delete thread ID)');
    expect(upstream.requests.length).toBe(calls);
    expect(((await (await mcpd.api('/api/v1/threads', { token: bob })).json()) as unknown[]).length).toBe(2);
    expect((await mcpd.api('/api/v1/agents/helper/chat', { json: { ...chat('go on'), threadId: started[0] }, token: bob })).status).toBe(200);
    expect((await mcpd.api(`/api/v1/threads/${started[1]!}`, { method: 'DELETE', token: bob })).status).toBe(204);
    expect((await mcpd.api('/api/v1/agents/helper/chat', { json: chat('room again'), token: bob })).status).toBe(200);
  });

  it('agents: past the cap 429 on create and on publish, and a refused publish changes nothing', async () => {
    const create = (name: string) => mcpd.api('/api/v1/agents', { token: bob, json: { name, llm: 'gpt' } });
    expect((await create('bob-one')).status).toBe(201);
    expect((await create('bob-two')).status).toBe(201);
    const refused = await create('bob-three');
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toBe('that would make more than 2 agents, the most one user may have; delete some first');
    expect((await mcpd.api('/api/v1/agents/bob-three')).status).toBe(404);
    const published = await mcpd.api('/api/v1/llms/_provider-register', {
      token: bob,
      json: { providers: [{ name: 'bob-box', type: 'openai', model: 'm' }], agents: [{ name: 'bob-box-agent', llmName: 'bob-box' }] },
    });
    expect(published.status).toBe(429);
    expect((await mcpd.api('/api/v1/llms/bob-box')).status).toBe(404);
    expect((await mcpd.api('/api/v1/agents/bob-box-agent')).status).toBe(404);
    // Control: after a delete there is room again.
    expect((await mcpd.api('/api/v1/agents/bob-two', { method: 'DELETE', token: bob })).status).toBe(204);
    expect((await create('bob-three')).status).toBe(201);
  });

  it('LLMs: past the cap 429 on publish and on create, and a refused publish leaves the rows as they were', async () => {
    const lena = await addUser(mcpd.server.services.database.db, 'lena');
    const publish = (names: string[], providerSessionId?: string) =>
      mcpd.api('/api/v1/llms/_provider-register', {
        token: lena,
        json: { providers: names.map((name) => ({ name, type: 'openai', model: 'm' })), ...(providerSessionId ? { providerSessionId } : {}) },
      });
    const first = await publish(['lena-a', 'lena-b', 'lena-c']);
    expect(first.status).toBe(201);
    const { providerSessionId } = (await first.json()) as { providerSessionId: string };
    const refused = await publish(['lena-a', 'lena-b', 'lena-c', 'lena-d'], providerSessionId);
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toBe('that would make more than 3 LLMs, the most one user may have; publish fewer, or delete some first');
    expect((await mcpd.api('/api/v1/llms/lena-d')).status).toBe(404);
    expect((await mcpd.api('/api/v1/llms/lena-c')).status).toBe(200);
    // An admin's public LLMs count too: it holds gpt and narrow.
    const create = (name: string) => mcpd.api('/api/v1/llms', { json: { name, type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    expect((await create('third')).status).toBe(201);
    const past = await create('fourth');
    expect(past.status).toBe(429);
    expect(await errorOf(past)).toBe('that would make more than 3 LLMs, the most one user may have; delete some first');
    expect((await mcpd.api('/api/v1/llms/third', { method: 'DELETE' })).status).toBe(204);
  });

  it('tokens: past the cap 429 for the user, an admin minting for them included; deleting one makes room', async () => {
    const tess = await addUser(mcpd.server.services.database.db, 'tess');
    const mint = (name: string, options: { token?: string; user?: string } = {}) =>
      mcpd.api('/api/v1/tokens', { ...(options.token ? { token: options.token } : {}), json: { name, ...(options.user ? { user: options.user } : {}) } });
    // addUser gave tess one token; an expired token counts until the sweep removes it.
    expect((await mcpd.api('/api/v1/tokens', { token: tess, json: { name: 'short', expiresIn: '1s' } })).status).toBe(201);
    expect((await mint('ci', { token: tess })).status).toBe(201);
    const refused = await mint('one-more', { token: tess });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(await errorOf(refused)).toBe(
      "that would make more than 3 tokens, the most one user may have; delete the ones no longer used first ('mcpctl get tokens' lists them; an expired token goes by itself 7 days after it expired)",
    );
    // The cap is the owner's, whoever mints.
    expect((await mint('from-admin', { user: 'tess' })).status).toBe(429);
    expect((await mint('admins-own')).status).toBe(201);
    const names = async () => ((await (await mcpd.api('/api/v1/tokens', { token: tess })).json()) as Array<{ user: string; name: string }>).filter((token) => token.user === 'tess').map((token) => token.name);
    expect(await names()).toEqual(['ci', 'short', 'test']);
    expect((await mcpd.api('/api/v1/tokens/ci', { token: tess, method: 'DELETE' })).status).toBe(204);
    expect((await mint('one-more', { token: tess })).status).toBe(201);
  });
});
