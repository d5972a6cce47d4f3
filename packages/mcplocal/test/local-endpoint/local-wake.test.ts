import OpenAI from 'openai';
import { mcplocalConfigSchema } from '@mcpctl/protocol';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiProvider, ProviderRegistry, startLocalEndpoint, type LocalEndpoint } from '../../src/index.js';
import type { ProviderToPublish } from '../../src/registrar/registrar-options.js';
import { localWakes } from '../../src/wake/local-wakes.js';
import { RecipeWakeHandler } from '../../src/wake/recipe-wake-handler.js';

const HI = [{ role: 'user' as const, content: 'Hi' }];

/* The endpoint in-process, a local model server (the fake upstream) that starts asleep, and the wake recipes of config.json. */
describe('the local endpoint and a sleeping backend', () => {
  let upstream: FakeUpstream;
  let endpoint: LocalEndpoint;
  let lines: string[];
  let wakes: string[];

  const start = async (recipe: Record<string, unknown> | undefined, published = true, wakeCommentIntervalMs?: number) => {
    const config = mcplocalConfigSchema.parse({
      providers: [{ name: 'desk-qwen', type: 'openai', url: `${upstream.url}/v1`, model: 'fake-model', ...(recipe ? { wake: recipe } : {}) }],
    });
    const provider = new OpenAiProvider({ name: 'desk-qwen', url: upstream.url, model: 'fake-model' });
    const registry = new ProviderRegistry();
    registry.register(provider);
    const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
    const handler = new RecipeWakeHandler({ log, pollInitialDelayMs: 20, pollMaxDelayMs: 50 });
    const entry: ProviderToPublish = { provider, type: 'openai', model: 'fake-model', publishName: 'desk-qwen-alice', wake: config.providers[0]!.wake };
    const local = localWakes([{ name: 'desk-qwen', entry, published }], (request) => {
      wakes.push(request.llmName);
      return handler.wake(request);
    });
    endpoint = await startLocalEndpoint({ registry, wakes: local, port: 0, requireToken: false, log, wakeCommentIntervalMs });
  };

  beforeEach(async () => {
    upstream = await startFakeUpstream({ asleep: true, wakeDelayMs: 200, tokens: ['Good', ' morning'] });
    lines = [];
    wakes = [];
  });

  afterEach(async () => {
    await endpoint.close();
    await upstream.close();
  });

  const client = () => new OpenAI({ baseURL: `${endpoint.url}/v1`, apiKey: 'ignored', maxRetries: 0 });

  it('wakes it with its recipe, once for callers at the same time, and answers them when it serves', async () => {
    await start({ type: 'http', url: `${upstream.url}/wake_up` });
    const whole = client().chat.completions.create({ model: 'desk-qwen', messages: HI });
    const streamed = client().chat.completions.create({ model: 'desk-qwen', messages: HI, stream: true });
    expect((await whole).choices[0]?.message.content).toBe('Good morning');
    let text = '';
    for await (const part of await streamed) text += part.choices[0]?.delta.content ?? '';
    expect(text).toBe('Good morning');
    expect(upstream.asleep).toBe(false);
    // Both callers asked for a wake; the recipe ran once, under the published name mcpd's wakes use.
    expect(wakes).toEqual(['desk-qwen-alice', 'desk-qwen-alice']);
    expect(upstream.requests.filter((request) => request.path === '/wake_up')).toHaveLength(1);
    expect(lines).toContain('desk-qwen: its backend is asleep; waking it for a request on the local endpoint');
    // Awake now: the next request goes straight through.
    expect((await client().chat.completions.create({ model: 'desk-qwen', messages: HI })).choices[0]?.message.content).toBe('Good morning');
    expect(wakes).toHaveLength(2);
  });

  const postStream = () =>
    fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk-qwen', messages: HI, stream: true }) });

  it('tells a streaming caller `: waking` while a long wake runs, so nothing cuts its silent connection, then streams the answer', async () => {
    upstream.setBehavior({ wakeDelayMs: 600 });
    await start({ type: 'http', url: `${upstream.url}/wake_up` }, true, 100);
    const response = await postStream();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-mcpctl-served-by')).toBe('desk-qwen');
    const text = await response.text();
    const comments = text.split('\n\n').filter((event) => event.startsWith(':'));
    expect(comments.length).toBeGreaterThanOrEqual(2);
    for (const comment of comments) expect(comment).toMatch(/^: waking desk-qwen \d+s$/);
    // The comments come before the answer, which is whole.
    expect(text.indexOf('data: ')).toBeGreaterThan(text.lastIndexOf(': waking'));
    const tokens = text.split('\n\n').filter((event) => event.startsWith('data: {')).map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '');
    expect(tokens.join('')).toBe('Good morning');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it.each([
    { published: false, wakeName: 'desk-qwen' },
    { published: true, wakeName: 'desk-qwen-alice' },
  ])('ends a stream that heard `: waking` with an error frame carrying the 503 when the wake fails (published: $published)', async ({ published, wakeName }) => {
    // The recipe is taken, but the backend comes up long after the recipe's bound.
    upstream.setBehavior({ wakeDelayMs: 60_000 });
    await start({ type: 'http', url: `${upstream.url}/wake_up`, maxWaitSeconds: 1 }, published, 100);
    const response = await postStream();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^: waking desk-qwen \d+s\n\n/);
    const last = text.trimEnd().split('\n\n').at(-1) ?? '';
    const frame = JSON.parse(last.replace(/^data: /, '')) as { error: { message: string; status: number } };
    expect(frame.error.status).toBe(503);
    // An unpublished provider's wake runs under a key of its own; what the caller reads names the
    // provider (a published one's, the published name mcpd's wakes share).
    expect(frame.error.message.startsWith(`desk-qwen is asleep and did not wake: ${wakeName} did not wake within 1 s: `)).toBe(true);
    expect(text).not.toContain('[DONE]');
    expect(lines.some((line) => line.startsWith('desk-qwen is asleep and did not wake: '))).toBe(true);
    expect(lines.join('\n')).not.toContain('local:');
  });

  it('wakes an unpublished provider under a key of its own, which no published name can take', async () => {
    await start({ type: 'http', url: `${upstream.url}/wake_up` }, false);
    expect((await client().chat.completions.create({ model: 'desk-qwen', messages: HI })).choices[0]?.message.content).toBe('Good morning');
    expect(wakes).toEqual(['local:desk-qwen']);
  });

  it('leaves a failure that is about the request alone, asleep or not: no wake can make it right', async () => {
    await start({ type: 'http', url: `${upstream.url}/wake_up` });
    upstream.setBehavior({ asleep: false, fail: { status: 400, message: 'bad temperature' } });
    const refused = await fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk-qwen', messages: HI }) });
    expect(refused.status).toBe(400);
    upstream.setBehavior({ fail: { status: 500, message: 'out of memory' } });
    expect((await fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk-qwen', messages: HI }) })).status).toBe(502);
    // Asleep too, but what it said was about the request (a key it wants): that is the answer, not a wake.
    upstream.setBehavior({ fail: undefined, asleep: true, apiKey: 'key-the-provider-lacks' });
    const unauthorized = await fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk-qwen', messages: HI }) });
    expect(((await unauthorized.json()) as { error: string }).error).toMatch(/invalid API key/);
    expect(wakes).toEqual([]);
    expect(upstream.asleep).toBe(true);
  });

  it('answers 503 with the reason when the recipe does not wake it, and the failure as it was without a recipe', async () => {
    await start({ type: 'http', url: `${upstream.url}/wake-me-not`, maxWaitSeconds: 1 });
    const refused = await fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk-qwen', messages: HI }) });
    expect(refused.status).toBe(503);
    // As mcpd's: a client that retries by itself waits instead of waking it again at once.
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(((await refused.json()) as { error: string }).error).toMatch(/^desk-qwen is asleep and did not wake: /);
    await endpoint.close();

    await start(undefined);
    const failed = await fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk-qwen', messages: HI }) });
    // The server's own 503 reaches the caller as a provider's failure, as before.
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: string }).error).toMatch(/model is asleep/);
    expect(wakes).toHaveLength(1);
  });
});
