import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '@mcpctl/clock';
import { llmViewSchema, tokenCreatedSchema, type LlmView, type TokenCreated } from '@mcpctl/protocol';
import { makeTempDir, spawnMcpd, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LiveCredentials } from '../../src/config/live-credentials.js';
import { createPublisher } from '../../src/create-publisher.js';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import type { VirtualLlmRegistrar } from '../../src/registrar/virtual-llm-registrar.js';
import { HeldUpstream } from './support/held-upstream.js';

/*
 * A real mcpd, and mcplocal's publisher in-process, wired as `mcplocal` wires it (createPublisher
 * and LiveCredentials), with the credentials file polled every 50 ms instead of 2 s: `mcpctl login`
 * rewrites the file under a running publisher, as another user or as the same one. The model
 * server holds a streamed answer after its first token until the test lets it go, so the answer
 * is in flight for as long as each check needs, however busy the machine. Each test makes its
 * own tokens; the users are shared.
 */
const POLL_MS = 50;

let dataDir: TempDir;
let mcpd: SpawnedMcpd;
let names = 0;
let tokens = 0;

interface Publisher {
  name: string;
  dir: TempDir;
  live: LiveCredentials;
  registrar: VirtualLlmRegistrar;
  upstream: HeldUpstream;
  lines: { level: string; line: string }[];
}
const running: Publisher[] = [];

const api = (path: string, init: { token?: string; method?: string; json?: unknown } = {}) =>
  fetch(`${mcpd.url}${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${init.token ?? mcpd.adminToken}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });

/** A new token of `user`'s, as `mcpctl login` would be given. */
async function tokenFor(user: string): Promise<TokenCreated> {
  tokens += 1;
  const created = await api('/api/v1/tokens', { json: { user, name: `laptop-${tokens}` } });
  expect(created.status).toBe(201);
  return tokenCreatedSchema.parse(await created.json());
}

beforeAll(async () => {
  dataDir = await makeTempDir('switch-user-mcpd-');
  mcpd = await spawnMcpd({ dataDir: dataDir.path });
  // bob is an admin: he may take over the rows alice's session left inactive. carol may not.
  for (const [user, role] of [['alice', 'member'], ['bob', 'admin'], ['carol', 'member']] as const) {
    expect((await api('/api/v1/users', { json: { name: user, role } })).status).toBe(201);
  }
}, 120_000);

afterEach(async () => {
  for (const publisher of running.splice(0)) {
    publisher.live.stop();
    await publisher.registrar.stop();
    await publisher.upstream.close();
    await publisher.dir.cleanup();
  }
});

afterAll(async () => {
  await mcpd?.stop();
  await dataDir?.cleanup();
});

/** What `mcpctl login` does to the file: rewrites it in place, mode 0600. */
async function login(publisher: Publisher, token: string): Promise<void> {
  await writeFile(join(publisher.dir.path, 'credentials'), `${JSON.stringify({ mcpdUrl: mcpd.url, token }, null, 2)}\n`, { mode: 0o600 });
}

/** A publisher logged in as `token`'s user, publishing one LLM, its stream open. */
async function publish(transport: 'sse' | 'websocket', token: string): Promise<Publisher> {
  names += 1;
  const name = `qwen-${transport}-${names}`;
  const [dir, upstream] = await Promise.all([makeTempDir('switch-user-home-'), HeldUpstream.start()]);
  const lines: Publisher['lines'] = [];
  const log = {
    debug: () => undefined,
    info: (line: string) => lines.push({ level: 'info', line }),
    warn: (line: string) => lines.push({ level: 'warn', line }),
    error: (line: string) => lines.push({ level: 'error', line }),
  };
  const live = new LiveCredentials({ path: join(dir.path, 'credentials'), initial: { mcpdUrl: mcpd.url, token }, clock: systemClock, log, pollMs: POLL_MS });
  const registrar = createPublisher({
    live,
    mode: transport,
    clock: systemClock,
    log,
    publishedProviders: [{ provider: new OpenAiProvider({ name, url: upstream.url, model: 'fake-model' }), type: 'openai', model: 'fake-model' }],
    sessionFilePath: join(dir.path, 'provider-session'),
    // The quick reconnect at its shortest (250 ms), and failed attempts retried within a second.
    random: () => 0,
    reconnectBaseMs: 500,
    reconnectMaxMs: 1_000,
  });
  const publisher: Publisher = { name, dir, live, registrar, upstream, lines };
  running.push(publisher);
  await login(publisher, token);
  await registrar.start();
  live.watch();
  await until('the stream open', () => lines.some(({ line }) => line.startsWith('control stream open')));
  return publisher;
}

async function row(name: string): Promise<LlmView> {
  const response = await api(`/api/v1/llms/${name}`);
  expect(response.status).toBe(200);
  return llmViewSchema.parse(await response.json());
}

const infer = (name: string, token: string, stream = false) =>
  api(`/api/v1/llms/${name}/infer`, { token, json: { messages: [{ role: 'user', content: 'Hi' }], ...(stream ? { stream: true } : {}) } });

/** A streamed answer under way: `firstToken` resolves once content arrived, `whole` with all of it. */
async function streaming(name: string, token: string): Promise<{ firstToken: Promise<void>; whole: Promise<string> }> {
  const response = await infer(name, token, true);
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let sawContent: () => void = () => undefined;
  const firstToken = new Promise<void>((resolve) => (sawContent = resolve));
  const whole = (async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += decoder.decode(next.value, { stream: true });
      if (text.includes('"content":"')) sawContent();
    }
    return text;
  })();
  return { firstToken, whole };
}

/** Polls `check` every 25 ms until it holds; rejects after `timeoutMs` naming `what`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const said = (publisher: Publisher, start: string) => publisher.lines.filter(({ line }) => line.startsWith(start));

describe.each(['sse', 'websocket'] as const)('a running publisher over %s when `mcpctl login` writes a new token', (transport) => {
  it("of another user: finishes the answer in flight as alice, then publishes as bob, and the LLM serves bob", async () => {
    const [alice, bob] = await Promise.all([tokenFor('alice'), tokenFor('bob')]);
    const publisher = await publish(transport, alice.token);
    const { name } = publisher;
    const aliceSession = publisher.registrar.getSessionId();
    expect(await row(name)).toMatchObject({ owner: 'alice', status: 'active' });
    const inFlight = await streaming(name, alice.token);
    await inFlight.firstToken;

    await login(publisher, bob.token);
    await until('the switch noticed', () => said(publisher, 'credentials: the new token is user bob').length > 0);
    expect(said(publisher, 'credentials: the new token is user bob')).toEqual([
      { level: 'info', line: "credentials: the new token is user bob's, not alice's; re-registering the provider session as bob" },
    ]);
    // A request arriving meanwhile is refused, to come back once the drain is over at the latest;
    // the answer in flight is still held at the model server, untouched.
    const meanwhile = await infer(name, bob.token);
    expect(meanwhile.status).toBe(503);
    const retryAfter = Number(meanwhile.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(publisher.upstream.holding).toBe(1);
    expect((await row(name)).owner).toBe('alice');

    publisher.upstream.release();
    const answer = await inFlight.whole;
    expect(answer).toContain('" alice"');
    expect(answer).toContain('data: [DONE]');
    expect(answer).not.toContain('"error"');
    await until('the LLM published as bob', async () => {
      const view = await row(name);
      return view.owner === 'bob' && view.status === 'active' && view.providerSession?.connected === true;
    });

    const relayed = await infer(name, bob.token);
    expect(relayed.status).toBe(200);
    expect(JSON.stringify(await relayed.json())).toContain('Hi bob');
    expect((await row(name)).owner).toBe('bob');
    expect(publisher.registrar.getSessionId()).not.toBe(aliceSession);
    // Registered afresh, not by presenting alice's session to mcpd as bob.
    expect(said(publisher, 'mcpd did not know the saved provider session')).toEqual([]);
    expect(publisher.lines.filter(({ level }) => level === 'error')).toEqual([]);
    expect(JSON.stringify(publisher.lines)).not.toContain(bob.token);
  });

  it('of the same user: changes nothing for the running session, and the answer in flight goes on', async () => {
    const [alice, rotated] = await Promise.all([tokenFor('alice'), tokenFor('alice')]);
    const publisher = await publish(transport, alice.token);
    const { name } = publisher;
    const session = publisher.registrar.getSessionId();
    const inFlight = await streaming(name, alice.token);
    await inFlight.firstToken;

    await login(publisher, rotated.token);
    await until('the new token judged', () => said(publisher, 'credentials: the new token is user alice').length > 0);
    expect(said(publisher, 'credentials: the new token is user alice')).toEqual([
      { level: 'info', line: "credentials: the new token is user alice's, as before; the provider session goes on with it" },
    ]);
    expect(publisher.upstream.holding).toBe(1);
    publisher.upstream.release();
    const answer = await inFlight.whole;
    expect(answer).toContain('" alice"');
    expect(answer).toContain('data: [DONE]');
    expect(answer).not.toContain('"error"');
    expect(publisher.registrar.getSessionId()).toBe(session);
    expect(said(publisher, 'published ')).toHaveLength(1);
    expect(said(publisher, 'control stream open')).toHaveLength(1);
    expect(said(publisher, 'control stream lost')).toEqual([]);

    // The session presents the new token now: revoking the old one ends the stream opened with it,
    // and the publisher is back at once with the same session, never refused.
    expect((await api(`/api/v1/tokens/${alice.id}`, { method: 'DELETE' })).status).toBe(204);
    await until('the stream back', () => said(publisher, 'control stream open').length === 2);
    expect(publisher.registrar.getSessionId()).toBe(session);
    expect(publisher.lines.filter(({ level }) => level === 'error')).toEqual([]);
    expect((await infer(name, rotated.token)).status).toBe(200);
    expect((await row(name)).owner).toBe('alice');
  });
});

describe('a running publisher when `mcpctl login` writes a token', () => {
  it("of a user who may not take the rows over: ends alice's session all the same, and logs mcpd's refusal", async () => {
    const [alice, carol] = await Promise.all([tokenFor('alice'), tokenFor('carol')]);
    const publisher = await publish('sse', alice.token);
    await login(publisher, carol.token);
    await until('the refusal', () => said(publisher, 'cannot open the control stream').length > 0);
    expect(said(publisher, 'credentials: the new token is user carol')).toHaveLength(1);
    expect(said(publisher, 'cannot open the control stream')[0]?.line).toMatch(
      /^cannot open the control stream \(mcpd answered the registration with HTTP 409: name is taken: qwen-sse-\d+\); reconnecting in \d+ ms$/,
    );
    expect(await row(publisher.name)).toMatchObject({ owner: 'alice', status: 'inactive' });
  });

  it('that mcpd refuses: keeps the session as it is, which goes on serving', async () => {
    const [alice, revoked] = await Promise.all([tokenFor('alice'), tokenFor('carol')]);
    const publisher = await publish('websocket', alice.token);
    const session = publisher.registrar.getSessionId();
    expect((await api(`/api/v1/tokens/${revoked.id}`, { method: 'DELETE' })).status).toBe(204);
    await login(publisher, revoked.token);
    await until('the refusal noticed', () => said(publisher, 'credentials: mcpd refuses the new token').length > 0);
    expect(said(publisher, 'credentials: mcpd refuses the new token')[0]).toEqual({
      level: 'warn',
      line: 'credentials: mcpd refuses the new token (mcpd answered the status request with HTTP 401: the token is not valid); the provider session goes on with the token it registered with until mcpd refuses that one too',
    });
    expect((await infer(publisher.name, alice.token)).status).toBe(200);
    expect(publisher.registrar.getSessionId()).toBe(session);
    expect(said(publisher, 'control stream open')).toHaveLength(1);
  });
});
