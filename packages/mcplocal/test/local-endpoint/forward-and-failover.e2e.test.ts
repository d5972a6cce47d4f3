import {
  makeTempDir,
  parseLogLine,
  readChatStream,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mcplocalConfigSchema } from '@mcpctl/protocol';
import { OpenAiProvider, ProviderRegistry, startLocalEndpoint, type LocalEndpoint } from '../../src/index.js';
import { localWakes } from '../../src/wake/local-wakes.js';
import { RecipeWakeHandler } from '../../src/wake/recipe-wake-handler.js';

const CENTRAL_TOKENS = ['Answer', ' from', ' the', ' team', ' server', '.'];
const LOCAL_TOKENS = ['Answer', ' from', ' my', ' desk', '.'];
const HI = [{ role: 'user' as const, content: 'Hi' }];

/*
 * The endpoint in-process, forwarding to the real mcpd as a user who is not an admin: alice, who
 * may view and run the central LLMs through a role binding the admin can delete. A fake upstream
 * stands behind each central LLM, another behind alice's local stand-in.
 */
describe('the local endpoint forwarding to mcpd, with failover', () => {
  let dataDir: TempDir;
  let mcpd: SpawnedMcpd;
  let aliceToken: string;
  let local: FakeUpstream;
  const centrals: FakeUpstream[] = [];
  const endpoints: LocalEndpoint[] = [];
  const lines: string[] = [];
  let llmCount = 0;

  const admin = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(`${mcpd.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${mcpd.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };

  beforeAll(async () => {
    dataDir = await makeTempDir('local-endpoint-mcpd-');
    // A caller waiting a second hears `: waiting`, so a stream can fail after its comments alone.
    [mcpd, local] = await Promise.all([spawnMcpd({ dataDir: dataDir.path, env: { MCPD_STREAM_KEEPALIVE_SECONDS: '1' } }), startFakeUpstream({ tokens: LOCAL_TOKENS })]);
    await admin('POST', '/api/v1/users', { name: 'alice', role: null });
    aliceToken = ((await (await admin('POST', '/api/v1/tokens', { user: 'alice', name: 'workstation' })).json()) as { token: string }).token;
  });

  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
    await Promise.all(centrals.splice(0).map((upstream) => upstream.close()));
    local.resetStats();
    lines.length = 0;
  });

  afterAll(async () => {
    await mcpd?.stop();
    await local?.close();
    await dataDir?.cleanup();
  });

  /** A public central LLM behind its own fake upstream, which alice may view and run. */
  async function centralLlm(poolName?: string): Promise<{ name: string; upstream: FakeUpstream; binding: string }> {
    llmCount += 1;
    const name = `team-llm-${llmCount}`;
    const upstream = await startFakeUpstream({ tokens: CENTRAL_TOKENS });
    centrals.push(upstream);
    await admin('POST', '/api/v1/llms', { name, type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, visibility: 'public', ...(poolName ? { poolName } : {}) });
    const binding = `alice-${name}`;
    await admin('POST', '/api/v1/rolebindings', {
      name: binding,
      subjectKind: 'user',
      subjectName: 'alice',
      permissions: ['view:llms', 'run:llms'],
      resourceNames: [name],
    });
    return { name, upstream, binding };
  }

  /** The endpoint with alice's credentials and her local provider standing in for `failoverFor`. */
  async function endpointFor(failoverFor?: string, token = aliceToken): Promise<LocalEndpoint> {
    const registry = new ProviderRegistry();
    registry.register(new OpenAiProvider({ name: 'desk-qwen', url: local.url, model: 'fake-model' }));
    if (failoverFor) registry.registerFailover(failoverFor, 'desk-qwen');
    const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
    const endpoint = await startLocalEndpoint({ registry, mcpd: { url: mcpd.url, token }, port: 0, log });
    endpoints.push(endpoint);
    endpointTokens.set(endpoint, token);
    return endpoint;
  }

  /** The endpoint takes the token of the credentials it was started with, as an editor is configured. */
  const endpointTokens = new Map<LocalEndpoint, string>();
  const client = (endpoint: LocalEndpoint) => new OpenAI({ baseURL: `${endpoint.url}/v1`, apiKey: endpointTokens.get(endpoint) ?? '', maxRetries: 0 });
  const post = (endpoint: LocalEndpoint, body: unknown) =>
    fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpointTokens.get(endpoint) ?? ''}` },
      body: JSON.stringify(body),
    });

  it('forwards central names to mcpd with the user token, streaming token by token', async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor(central.name);

    const completion = await client(endpoint).chat.completions.create({ model: central.name, messages: HI });
    expect(completion.choices[0]?.message.content).toBe(CENTRAL_TOKENS.join(''));

    central.upstream.setBehavior({ tokensPerSecond: 10, tokens: ['one', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight'] });
    const started = performance.now();
    const stream = await client(endpoint).chat.completions.create({ model: central.name, messages: HI, stream: true });
    const read = await readChatStream(stream, started);
    expect(read.text).toBe('one two three four five six seven eight');
    expect(read.finishReasons).toEqual(['stop']);
    expect(read.firstTokenMs!).toBeLessThan(read.totalMs - 400);
    expect(local.requests).toHaveLength(0);

    const raw = await post(endpoint, { model: central.name, messages: HI });
    expect(raw.headers.get('x-mcpctl-served-by')).toBe(central.name);
    // mcpd's request id comes through, so the caller can find the call in mcpd's audit.
    expect(raw.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('lists the local providers and what mcpd lets the user see', async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor();
    const ids = (await client(endpoint).models.list()).data.map((model) => model.id);
    expect(ids[0]).toBe('desk-qwen');
    expect(ids).toContain(central.name);
  });

  it("passes mcpd's 404 on for a name nobody knows", async () => {
    const endpoint = await endpointFor();
    const response = await post(endpoint, { model: 'no-such-llm', messages: HI });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'model not found: no-such-llm; GET /v1/models lists the ones you may use' });
  });

  it('cancels the forwarded request upstream when the caller goes away', async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor(central.name);
    central.upstream.setBehavior({ tokensPerSecond: 5, tokens: undefined, tokenCount: 50 });
    const controller = new AbortController();
    const stream = await client(endpoint).chat.completions.create({ model: central.name, messages: HI, stream: true }, { signal: controller.signal });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    controller.abort();
    await central.upstream.waitForCancelled(1, 5_000);
  });

  it("serves locally when the central LLM's upstream is down and the user may view it", async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor(central.name);
    await central.upstream.close();

    const response = await post(endpoint, { model: central.name, messages: HI });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-mcpctl-served-by')).toBe('desk-qwen');
    const completion = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toBe(LOCAL_TOKENS.join(''));
    // The answer is for the name the caller asked for.
    expect(completion.model).toBe(central.name);
    expect(lines.join('\n')).toContain(`serving it with local provider "desk-qwen"`);

    const stream = await client(endpoint).chat.completions.create({ model: central.name, messages: HI, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(LOCAL_TOKENS.join(''));
    expect(local.requests).toHaveLength(2);
  });

  it('fails over for a pool name too: mcpd answers the access check of a pool the user can see', async () => {
    const pool = `team-pool-${llmCount + 1}`;
    const central = await centralLlm(pool);
    const endpoint = await endpointFor(pool);

    const forwarded = await post(endpoint, { model: pool, messages: HI });
    expect(forwarded.status).toBe(200);
    expect(forwarded.headers.get('x-mcpctl-served-by')).toBe(central.name);
    await forwarded.text();

    await central.upstream.close();
    const response = await post(endpoint, { model: pool, messages: HI });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-mcpctl-served-by')).toBe('desk-qwen');
    const completion = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toBe(LOCAL_TOKENS.join(''));
    expect(completion.model).toBe(pool);
    expect(lines.join('\n')).toContain(`serving it with local provider "desk-qwen"`);
  });

  it('serves locally when the central upstream answers 500, streaming included', async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor(central.name);
    central.upstream.setBehavior({ fail: { status: 500, message: 'upstream exploded' } });
    const stream = await client(endpoint).chat.completions.create({ model: central.name, messages: HI, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(LOCAL_TOKENS.join(''));
  });

  it('serves locally, into the stream already open, when the central stream fails after its waiting comments alone; a refusal after them passes on', async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor(central.name);
    central.upstream.setBehavior({ latencyMs: 1_500, fail: { status: 500, message: 'upstream exploded late' } });
    const stream = await client(endpoint).chat.completions.create({ model: central.name, messages: HI, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(LOCAL_TOKENS.join(''));
    expect(lines.some((line) => line.includes('upstream exploded late'))).toBe(true);

    central.upstream.setBehavior({ latencyMs: 1_500, fail: { status: 429, message: 'slow down', retryAfter: '3' } });
    local.resetStats();
    const limited = await post(endpoint, { model: central.name, messages: HI, stream: true });
    expect(limited.status).toBe(200);
    const frames = await limited.text();
    expect(frames).toMatch(/^: waiting\n\ndata: \{"error":\{"message":"[^"]*slow down[^"]*","type":"upstream_error","status":429\}\}\n\n$/);
    expect(local.requests).toHaveLength(0);
  });

  /** The endpoint with alice's credentials and a stand-in for `central` whose backend, `sleeper`, has a wake recipe. */
  async function sleepingStandIn(central: string, sleeper: FakeUpstream, maxWaitSeconds: number): Promise<LocalEndpoint> {
    const provider = new OpenAiProvider({ name: 'desk-qwen', url: sleeper.url, model: 'fake-model' });
    const registry = new ProviderRegistry();
    registry.register(provider);
    registry.registerFailover(central, 'desk-qwen');
    const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
    const config = mcplocalConfigSchema.parse({
      providers: [{ name: 'desk-qwen', type: 'openai', url: `${sleeper.url}/v1`, model: 'fake-model', failoverFor: central, wake: { type: 'http', url: `${sleeper.url}/wake_up`, maxWaitSeconds } }],
    });
    const handler = new RecipeWakeHandler({ log, pollInitialDelayMs: 20, pollMaxDelayMs: 50 });
    const wakes = localWakes([{ name: 'desk-qwen', entry: { provider, type: 'openai', model: 'fake-model', wake: config.providers[0]!.wake }, published: false }], (request) =>
      handler.wake(request),
    );
    const endpoint = await startLocalEndpoint({ registry, mcpd: { url: mcpd.url, token: aliceToken }, port: 0, log, wakes, wakeCommentIntervalMs: 100 });
    endpoints.push(endpoint);
    endpointTokens.set(endpoint, aliceToken);
    return endpoint;
  }

  it('wakes a sleeping stand-in with its recipe before it serves, for a whole answer and into a stream already open', async () => {
    const central = await centralLlm();
    const sleeper = await startFakeUpstream({ tokens: LOCAL_TOKENS, asleep: true, wakeDelayMs: 400 });
    centrals.push(sleeper);
    const endpoint = await sleepingStandIn(central.name, sleeper, 30);

    await central.upstream.close();
    const response = await post(endpoint, { model: central.name, messages: HI });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-mcpctl-served-by')).toBe('desk-qwen');
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe(LOCAL_TOKENS.join(''));
    expect(sleeper.asleep).toBe(false);
    expect(lines).toContain('desk-qwen: its backend is asleep; waking it for a request on the local endpoint');

    // Asleep again, behind a central stream that fails after its `: waiting` comment: woken, with
    // its own comments, and answering into that stream.
    sleeper.setBehavior({ asleep: true });
    const late = await centralLlm();
    await endpoint.close();
    const lateEndpoint = await sleepingStandIn(late.name, sleeper, 30);
    late.upstream.setBehavior({ latencyMs: 1_500, fail: { status: 500, message: 'upstream exploded late' } });
    const streamed = await post(lateEndpoint, { model: late.name, messages: HI, stream: true });
    expect(streamed.status).toBe(200);
    const text = await streamed.text();
    const events = text.split('\n\n').filter((event) => event !== '');
    expect(events[0]).toBe(': waiting');
    expect(events[1]).toMatch(/^: waking desk-qwen \d+s$/);
    const tokens = events.filter((event) => event.startsWith('data: {')).map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '');
    expect(tokens.join('')).toBe(LOCAL_TOKENS.join(''));
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(sleeper.requests.filter((request) => request.path === '/wake_up')).toHaveLength(2);
  });

  it("ends mcpd's open stream with the stand-in's own failure when its backend does not wake", async () => {
    const central = await centralLlm();
    // The recipe is taken, but the backend comes up long after the recipe's bound.
    const sleeper = await startFakeUpstream({ tokens: LOCAL_TOKENS, asleep: true, wakeDelayMs: 60_000 });
    centrals.push(sleeper);
    const endpoint = await sleepingStandIn(central.name, sleeper, 1);
    central.upstream.setBehavior({ latencyMs: 1_500, fail: { status: 500, message: 'upstream exploded late' } });
    const streamed = await post(endpoint, { model: central.name, messages: HI, stream: true });
    expect(streamed.status).toBe(200);
    const events = (await streamed.text()).split('\n\n').filter((event) => event !== '');
    expect(events[0]).toBe(': waiting');
    expect(events.some((event) => /^: waking desk-qwen \d+s$/.test(event))).toBe(true);
    const frame = JSON.parse((events.at(-1) ?? '').replace(/^data: /, '')) as { error: { message: string; status: number } };
    expect(frame.error.status).toBe(503);
    expect(frame.error.message).toMatch(/^desk-qwen is asleep and did not wake: /);
    expect(events).not.toContain('data: [DONE]');
    expect(lines.some((line) => line.startsWith('desk-qwen is asleep and did not wake: desk-qwen did not wake within 1 s'))).toBe(true);
  });

  it("passes the central error on, without a stand-in, when the LLM has none", async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor();
    central.upstream.setBehavior({ fail: { status: 500, message: 'upstream exploded' } });
    const response = await post(endpoint, { model: central.name, messages: HI });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toContain('upstream exploded');
    expect(local.requests).toHaveLength(0);
  });

  it("refuses with the original error once the user's access to the LLM is revoked", async () => {
    const central = await centralLlm();
    const endpoint = await endpointFor(central.name);
    // The central upstream hangs; while the request waits on it, the admin revokes alice's access.
    central.upstream.setBehavior({ mode: 'hang' });
    const pending = post(endpoint, { model: central.name, messages: HI });
    await central.upstream.waitForRequests(1);
    await admin('DELETE', `/api/v1/rolebindings/${central.binding}`);
    // Now the upstream goes down: mcpd answers 502, and the access check says alice may no longer see the LLM.
    await central.upstream.close();

    const response = await pending;
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: string };
    expect(error).not.toContain('desk');
    expect(local.requests).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/no failover to "desk-qwen" for "team-llm-\d+": mcpd could not be asked whether the user may use it \(failover fails closed\)/);

    // And every later request: mcpd hides the LLM from alice now, which is no failure to cover.
    const later = await post(endpoint, { model: central.name, messages: HI });
    expect(later.status).toBe(404);
    expect(local.requests).toHaveLength(0);
  });

  it('is what the mcplocal binary serves: config failoverFor and credentials wired in, nothing published', async () => {
    const central = await centralLlm();
    const home = await makeTempDir('local-endpoint-home-');
    try {
      await writeMcplocalHome(
        home.path,
        { providers: [{ name: 'desk-qwen', type: 'openai', url: local.url, model: 'fake-model', failoverFor: central.name }] },
        { mcpdUrl: mcpd.url, token: aliceToken },
      );
      const mcplocal = await spawnMcplocal({ home: home.path, readyMessage: 'local endpoint listening' });
      try {
        const url = mcplocal
          .output()
          .split('\n')
          .map((line) => parseLogLine(line))
          .find((record) => record?.msg === 'local endpoint listening')?.url;
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(mcplocal.output()).toContain('nothing to publish');
        const openai = new OpenAI({ baseURL: `${String(url)}/v1`, apiKey: aliceToken, maxRetries: 0 });

        const forwarded = await openai.chat.completions.create({ model: central.name, messages: HI });
        expect(forwarded.choices[0]?.message.content).toBe(CENTRAL_TOKENS.join(''));
        await central.upstream.close();
        const failedOver = await openai.chat.completions.create({ model: central.name, messages: HI });
        expect(failedOver.choices[0]?.message.content).toBe(LOCAL_TOKENS.join(''));
      } finally {
        await mcplocal.stop();
      }
      expect(mcplocal.process.exitCode).toBe(0);
    } finally {
      await home.cleanup();
    }
  });

  it('passes on the 401 of a call mcpd ended because its token was revoked, and serves nothing locally', async () => {
    const central = await centralLlm();
    const token = (await (await admin('POST', '/api/v1/tokens', { user: 'alice', name: `short-lived-${llmCount}` })).json()) as { id: string; token: string };
    const endpoint = await endpointFor(central.name, token.token);
    central.upstream.setBehavior({ mode: 'hang' });
    const pending = post(endpoint, { model: central.name, messages: HI });
    await central.upstream.waitForRequests(1);
    await admin('DELETE', `/api/v1/tokens/${token.id}`);

    const response = await pending;
    expect(response.status).toBe(401);
    expect(local.requests).toHaveLength(0);
    expect((await post(endpoint, { model: central.name, messages: HI })).status).toBe(401);
  });
});
