import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { ManualClock } from '@mcpctl/clock/manual';
import { readChatStream, startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiProvider, ProviderRegistry, startLocalEndpoint, type LocalEndpoint } from '../../src/index.js';
import { closedPortUrl } from '../providers/support/closed-port.js';
import { startScriptedServer } from '../providers/support/scripted-server.js';

const SIX_TOKENS = ['Hello', ' from', ' your', ' own', ' desk', '.'];
const HI = [{ role: 'user' as const, content: 'Hi' }];

/* The endpoint in-process with a real local model server (the fake upstream) behind a real provider, and no mcpd. */
describe('the local endpoint serving local providers', () => {
  let upstream: FakeUpstream;
  let endpoint: LocalEndpoint;
  const warnings: string[] = [];

  beforeEach(async () => {
    upstream = await startFakeUpstream({ tokens: SIX_TOKENS });
    const registry = new ProviderRegistry();
    registry.register(new OpenAiProvider({ name: 'desk-qwen', url: upstream.url, model: 'fake-model' }));
    warnings.length = 0;
    const log = { info: () => undefined, warn: (line: string) => warnings.push(line), error: (line: string) => warnings.push(line) };
    // Local providers alone, no credentials: as on a single-user machine (the token rule has its own tests).
    endpoint = await startLocalEndpoint({ registry, port: 0, requireToken: false, log, clock: new ManualClock(1_700_000_000_000), newId: () => 'local1' });
  });

  afterEach(async () => {
    await endpoint.close();
    await upstream.close();
  });

  const client = () => new OpenAI({ baseURL: `${endpoint.url}/v1`, apiKey: 'ignored', maxRetries: 0 });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it("listens on loopback and answers a non-streaming request with the OpenAI server's own chat.completion", async () => {
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const completion = await client().chat.completions.create({ model: 'desk-qwen', messages: HI, temperature: 0.2 });
    // Passed on as the server wrote it, as the relay and mcpd pass answers on: its id and model.
    expect(completion).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-fake-/) as string,
      object: 'chat.completion',
      model: 'fake-model',
      choices: [{ index: 0, message: { role: 'assistant', content: SIX_TOKENS.join('') }, finish_reason: 'stop' }],
      usage: { completion_tokens: 6 },
    });
    // The provider names its own model to the server, whatever the caller called it.
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'fake-model', temperature: 0.2 });
    const raw = await post({ model: 'desk-qwen', messages: HI });
    expect(raw.headers.get('x-mcpctl-served-by')).toBe('desk-qwen');
  });

  it('streams token by token through the stock openai client, ending with a finish reason', async () => {
    const eight = ['one', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight'];
    upstream.setBehavior({ tokensPerSecond: 10, tokens: eight });
    const started = performance.now();
    const stream = await client().chat.completions.create({ model: 'desk-qwen', messages: HI, stream: true });
    const read = await readChatStream(stream, started);
    expect(read.text).toBe(eight.join(''));
    expect(read.finishReasons).toEqual(['stop']);
    // No usage chunk (a chunk without choices) was asked for, so none came.
    expect(read.choicelessChunks).toBe(0);
    expect(read.chunks).toBeGreaterThanOrEqual(9);
    // Eight tokens at 10/s take ~800 ms upstream; the first must reach the caller long before.
    expect(read.firstTokenMs!).toBeLessThan(read.totalMs - 400);
  });

  it('ends the stream with a usage chunk when the request asks for it', async () => {
    const stream = await client().chat.completions.create({ model: 'desk-qwen', messages: HI, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 6 } });
  });

  it('ends a stream under way with an error frame when mcplocal stops, and answers 503 to a request not yet answered', async () => {
    upstream.setBehavior({ tokensPerSecond: 5, tokens: ['a', ' b', ' c', ' d', ' e', ' f', ' g', ' h'] });
    const response = await post({ model: 'desk-qwen', messages: HI, stream: true });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    expect(text).toContain('data: {');
    const closing = endpoint.close();
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value, { stream: true });
    await closing;
    expect(text).toMatch(/data: \{"error":\{"message":"mcplocal is stopping: the answer ends here","type":"upstream_error","status":503\}\}\n\n$/);
    expect(text).not.toContain('[DONE]');
  });

  it('answers 503 with Retry-After to a request it had not answered yet when mcplocal stops', async () => {
    upstream.setBehavior({ tokensPerSecond: 5, tokens: ['a', ' b', ' c', ' d', ' e', ' f', ' g', ' h'] });
    const asked = upstream.requests.length;
    const answer = post({ model: 'desk-qwen', messages: HI });
    while (upstream.requests.length === asked) await new Promise((resolve) => setTimeout(resolve, 10));
    await endpoint.close();
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ error: 'mcplocal is stopping; try again once it is back' });
  });

  it('cancels the local call when the caller goes away mid-stream', async () => {
    upstream.setBehavior({ tokensPerSecond: 5, tokens: undefined, tokenCount: 50 });
    const controller = new AbortController();
    const stream = await client().chat.completions.create({ model: 'desk-qwen', messages: HI, stream: true }, { signal: controller.signal });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    controller.abort();
    await upstream.waitForCancelled(1, 5_000);
    expect(upstream.cancelled).toBe(1);
  });

  it('cancels the local call when the caller of a non-streaming request goes away', async () => {
    upstream.setBehavior({ latencyMs: 10_000 });
    const controller = new AbortController();
    const answer = client().chat.completions.create({ model: 'desk-qwen', messages: HI }, { signal: controller.signal });
    await upstream.waitForRequests(1);
    controller.abort();
    await expect(answer).rejects.toThrow();
    await upstream.waitForCancelled(1, 5_000);
  });

  it('lists the local providers as models when there is no mcpd to ask', async () => {
    const models = await client().models.list();
    expect(models.data).toEqual([{ id: 'desk-qwen', object: 'model', created: 1_700_000_000, owned_by: 'mcplocal' }]);
    expect(await client().models.retrieve('desk-qwen')).toEqual({ id: 'desk-qwen', object: 'model', created: 1_700_000_000, owned_by: 'mcplocal' });
    const missing = await fetch(`${endpoint.url}/v1/models/${'n'.repeat(300)}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe(`model not found: ${'n'.repeat(200)}…; GET /v1/models lists the ones you may use`);
  });

  it('answers 400 for a body that is not JSON, not a chat request, or names no model', async () => {
    const notJson = await post('{"model": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'the body is not valid JSON' });

    const noMessages = await post({ model: 'desk-qwen', messages: [] });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { error: string }).error).toContain('messages');

    const badTemperature = await post({ model: 'desk-qwen', messages: HI, temperature: 9 });
    expect(badTemperature.status).toBe(400);
    expect(((await badTemperature.json()) as { error: string }).error).toContain('temperature');

    const noModel = await post({ messages: HI });
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: string }).error).toContain('model');
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers 404 for a model that is not local when it has no credentials for mcpd', async () => {
    const response = await post({ model: 'gpt-central', messages: HI });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toMatch(/unknown model "gpt-central".*mcpctl login/);
  });

  it('answers 413 past 4 MiB, then keeps serving', async () => {
    const big = JSON.stringify({ model: 'desk-qwen', messages: [{ role: 'user', content: 'x'.repeat(4 * 1024 * 1024) }] });
    const response = await post(big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toContain('larger than 4194304 bytes');
    expect(upstream.requests).toHaveLength(0);
    expect((await post({ model: 'desk-qwen', messages: HI })).status).toBe(200);
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      const chunk = 'x'.repeat(1024 * 1024);
      request.write('{"model":"desk-qwen","messages":[{"role":"user","content":"');
      for (let index = 0; index < 5; index += 1) request.write(chunk);
      request.end('"}]}');
    });
    expect(status).toBe(413);
  });

  it("keeps the status and Retry-After of the local server's refusal of the request itself", async () => {
    upstream.setBehavior({ fail: { status: 429, message: 'slow down', retryAfter: '7' } });
    const limited = await post({ model: 'desk-qwen', messages: HI });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as { error: string }).error).toContain('slow down');
  });

  it("answers 502 with the local server's failure, and ends a broken stream with an error frame", async () => {
    upstream.setBehavior({ fail: { status: 500, message: 'CUDA out of memory' } });
    const failed = await post({ model: 'desk-qwen', messages: HI });
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: string }).error).toContain('CUDA out of memory');

    upstream.setBehavior({ fail: undefined, mode: 'cut-mid-stream', tokensPerSecond: 50 });
    const broken = await post({ model: 'desk-qwen', messages: HI, stream: true });
    expect(broken.status).toBe(200);
    const text = await broken.text();
    expect(text).toContain('"content":"Hello"');
    const frames = text.trim().split('\n\n');
    expect(JSON.parse(frames.at(-1)!.replace(/^data: /, ''))).toEqual({
      error: { message: expect.stringContaining('broke mid-answer') as string, type: 'upstream_error' },
    });
    expect(text).not.toContain('[DONE]');
    // The editor may show nothing of either: mcplocal's log says both.
    expect(warnings).toEqual([
      expect.stringMatching(/^local endpoint request failed: provider "desk-qwen" answered HTTP 500: .*CUDA out of memory/),
      expect.stringMatching(/^local endpoint stream from desk-qwen broke off: .*broke mid-answer/),
    ]);
  });

  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    const unknown = await fetch(`${endpoint.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    const wrongMethod = await fetch(`${endpoint.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('refuses web pages: requests with an Origin, or a Host that is not a loopback name', async () => {
    const fromPage = await post({ model: 'desk-qwen', messages: HI }, { origin: 'https://evil.example' });
    expect(fromPage.status).toBe(403);
    expect(((await fromPage.json()) as { error: string }).error).toContain('web pages');

    const port = new URL(endpoint.url).port;
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/v1/models', headers: { host: `evil.example:${port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject).end();
    });
    expect(rebound).toBe(403);
    expect((await fetch(`http://localhost:${port}/v1/models`)).status).toBe(200);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('the local endpoint with mcpd unreachable', () => {
  it('lists local providers only, and answers 502 for a central name', async () => {
    const upstream = await startFakeUpstream();
    const registry = new ProviderRegistry();
    registry.register(new OpenAiProvider({ name: 'desk-qwen', url: upstream.url, model: 'fake-model' }));
    registry.registerFailover('gpt-central', 'desk-qwen');
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (line: string) => warnings.push(line), error: (line: string) => warnings.push(line) };
    const endpoint = await startLocalEndpoint({ registry, port: 0, mcpd: { url: await closedPortUrl(), token: 'token' }, log });
    try {
      const authorization = { authorization: 'Bearer token' };
      const models = (await (await fetch(`${endpoint.url}/v1/models`, { headers: authorization })).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((model) => model.id)).toEqual(['desk-qwen']);
      expect(warnings.join('\n')).toContain('local providers only');

      // mcpd down: the access check cannot be made, so the stand-in does not serve (fail closed).
      const response = await fetch(`${endpoint.url}/v1/chat/completions`, {
        method: 'POST',
        headers: authorization,
        body: JSON.stringify({ model: 'gpt-central', messages: HI }),
      });
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: string }).error).toMatch(/^cannot reach mcpd at http:\/\/127\.0\.0\.1:\d+: /);
      expect(upstream.requests).toHaveLength(0);
      expect(warnings.join('\n')).toContain('mcpd could not be asked whether the user may use it (failover fails closed)');
    } finally {
      await endpoint.close();
      await upstream.close();
    }
  });
});

/* What an OpenAI server sends that the provider interface does not name: passed on, as the relay passes it. */
describe('the local endpoint passing an OpenAI server’s answer on', () => {
  const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'srv-1', object: 'chat.completion.chunk', created: 5, model: 'served-model', choices: [choice], ...extra });
  const frames = [
    chunk({ index: 0, delta: { role: 'assistant', content: '' } }),
    chunk({ index: 1, delta: { role: 'assistant', refusal: 'I cannot help with that.' } }),
    chunk({ index: 0, delta: { content: 'Sure.' }, logprobs: { content: [] } }),
    chunk({ index: 0, delta: {}, finish_reason: 'stop' }),
    chunk({ index: 1, delta: {}, finish_reason: 'stop' }),
    JSON.stringify({ id: 'srv-1', object: 'chat.completion.chunk', created: 5, model: 'served-model', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
  ];
  let server: Awaited<ReturnType<typeof startScriptedServer>> | undefined;
  let endpoint: LocalEndpoint | undefined;

  afterEach(async () => {
    await endpoint?.close();
    await server?.close();
  });

  it('keeps every choice of n, a refusal and logprobs, byte for byte, and the usage chunk only for a caller who asked', async () => {
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [...frames.map((frame) => `data: ${frame}\n\n`), 'data: [DONE]\n\n'] });
    const registry = new ProviderRegistry();
    registry.register(new OpenAiProvider({ name: 'desk', url: server.url, model: 'served-model' }));
    endpoint = await startLocalEndpoint({ registry, port: 0, requireToken: false, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    const ask = async (body: Record<string, unknown>) =>
      (await fetch(`${endpoint!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).text();
    const request = { model: 'desk', n: 2, stream: true, messages: [{ role: 'user', content: 'Hi' }] };
    expect(await ask(request)).toBe(`${frames.slice(0, -1).map((frame) => `data: ${frame}\n\n`).join('')}data: [DONE]\n\n`);
    expect(await ask({ ...request, stream_options: { include_usage: true } })).toBe(`${frames.map((frame) => `data: ${frame}\n\n`).join('')}data: [DONE]\n\n`);
    expect(server.requests.at(-1)?.body).toMatchObject({ n: 2, model: 'served-model' });
  });

  it('ends a stream whose [DONE] came without a finish reason with a finish of stop, in the server\'s envelope', async () => {
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [`data: ${frames[2]!}\n\n`, 'data: [DONE]\n\n'] });
    const registry = new ProviderRegistry();
    registry.register(new OpenAiProvider({ name: 'desk', url: server.url, model: 'served-model' }));
    endpoint = await startLocalEndpoint({ registry, port: 0, requireToken: false, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    const text = await (await fetch(`${endpoint.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'desk', stream: true, messages: [{ role: 'user', content: 'Hi' }] }) })).text();
    const finish = { id: 'srv-1', created: 5, model: 'served-model', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    expect(text).toBe(`data: ${frames[2]!}\n\ndata: ${JSON.stringify(finish)}\n\ndata: [DONE]\n\n`);
  });
});
