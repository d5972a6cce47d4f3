import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { ManualClock } from '@mcpctl/clock/manual';
import { STREAM_OPTIONS_REASK_MS } from '@mcpctl/dialects';
import { errorBodySchema } from '@mcpctl/protocol';
import {
  SCRIPTED_CHUNKS,
  sseBody,
  testDatabaseVariants,
  startFakeUpstream,
  startScriptedStreamUpstream,
  type FakeUpstream,
  type ScriptedStreamUpstream,
} from '@mcpctl/test-kit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();

describe.each([
  { type: 'openai', path: '/v1' },
  { type: 'anthropic', path: '' },
  { type: 'ollama', path: '' },
])('public $type LLM through the stock openai client', ({ type, path }) => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ tokens: ['Hello', ',', ' world', '!'], apiKey: 'upstream-key' });
    mcpd = await startTestServer({ database: await embedded!.open() });
    const created = await mcpd.api('/api/v1/llms', {
      json: { name: 'model-a', type, model: 'served-model', url: `${upstream.url}${path}`, apiKey: 'upstream-key' },
    });
    expect(created.status).toBe(201);
    client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
  });

  afterAll(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  beforeEach(() => upstream.resetStats());

  it('answers a non-streaming completion', async () => {
    const completion = await client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello, world!');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(4);
    const received = upstream.requests.at(-1)!;
    expect((received.body as { model: string }).model).toBe('served-model');
  });

  it('streams token by token and ends with a finish reason and usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'model-a',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.join('')).toBe('Hello, world!');
    expect(deltas.length).toBeGreaterThanOrEqual(4);
    expect(finishReasons).toEqual(['stop']);
    expect(usage?.completion_tokens).toBe(4);
  });

  it('lists the LLM in /v1/models, and retrieves it by name', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('model-a');
    expect(await client.models.retrieve('model-a')).toMatchObject({ id: 'model-a', object: 'model', owned_by: 'admin' });
    await expect(client.models.retrieve('nope')).rejects.toMatchObject({ status: 404 });
  });
});

/** A model server of the test's own on a free port, closed after `run` whatever it did. */
async function withUpstream(handler: RequestListener, run: (port: number) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('public path behaviour', () => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ tokenCount: 6 });
    mcpd = await startTestServer({
      database: await embedded!.open(),
      env: { MCPD_UPSTREAM_TIMEOUT_SECONDS: '0.5', MCPD_UPSTREAM_IDLE_TIMEOUT_SECONDS: '0.5' },
    });
    await mcpd.api('/api/v1/llms', { json: { name: 'fake', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    await mcpd.api('/api/v1/llms', { json: { name: 'refused', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1' } });
  });

  afterAll(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  afterEach(() => {
    upstream.setBehavior({ mode: 'normal', fail: undefined, tokensPerSecond: undefined, latencyMs: 0, tokenCount: 6 });
    upstream.resetStats();
  });

  const infer = (name: string, body: Record<string, unknown> = {}, init: RequestInit = {}) =>
    mcpd.api(`/api/v1/llms/${name}/infer`, { json: { messages: [{ role: 'user', content: 'Hi' }], ...body }, ...init });

  it('forwards the first token before the upstream has finished', async () => {
    upstream.setBehavior({ tokensPerSecond: 10, tokenCount: 6 });
    const response = await infer('fake', { stream: true });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-mcpctl-served-by')).toBe('fake');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let textAtFirstContent: string | undefined;
    let readsAfterFirstContent = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (textAtFirstContent !== undefined) readsAfterFirstContent += 1;
      else if (text.includes('"content":"')) textAtFirstContent = text;
    }
    // Six tokens at 10/s: the first reached the caller while the upstream was still generating.
    expect(textAtFirstContent).toBeDefined();
    expect(textAtFirstContent).not.toContain('[DONE]');
    expect(readsAfterFirstContent).toBeGreaterThan(0);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('answers 404 for an unknown LLM, and on the OpenAI face for an unknown model in the words of GET /v1/models', async () => {
    const response = await infer('missing');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'LLM not found: missing' });
    // `model` may name an LLM, an agent or a pool there: the list says which the caller may use.
    const openAi = await mcpd.api('/v1/chat/completions', { json: { model: 'missing', messages: [{ role: 'user', content: 'Hi' }] } });
    expect(openAi.status).toBe(404);
    const retrieved = await mcpd.api('/v1/models/missing');
    expect(await openAi.json()).toEqual({ error: 'model not found: missing; GET /v1/models lists the ones you may use' });
    expect(await retrieved.json()).toEqual({ error: 'model not found: missing; GET /v1/models lists the ones you may use' });
  });

  it('answers 400 for a request without messages', async () => {
    const response = await mcpd.api('/api/v1/llms/fake/infer', { json: { messages: [] } });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error).toMatch(/messages/);
  });

  it('answers 502 when the upstream refuses the connection', async () => {
    const response = await infer('refused');
    expect(response.status).toBe(502);
    expect(errorBodySchema.parse(await response.json()).error).toMatch(/cannot reach the upstream of refused: .*ECONNREFUSED/);
  });

  it('says the connection broke mid-answer, not that the upstream cannot be reached, when it closes after its headers', async () => {
    // Asked for a stream it starts one (or, with `?json`, answers JSON as a server that ignores `stream`); either way it breaks.
    await withUpstream((request, response) => {
      let body = '';
      request.on('data', (piece: Buffer) => (body += piece.toString()));
      request.on('end', () => {
        const streaming = (JSON.parse(body) as { stream?: boolean }).stream === true && !(request.url ?? '').includes('json');
        response.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
        response.write(streaming ? 'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {"id":"x","obj' : '{"id":"x","object":"chat.compl');
        setTimeout(() => response.socket?.destroy(), 20);
      });
    }, async (port) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'breaking', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/v1` } });
      await mcpd.api('/api/v1/llms', { json: { name: 'breaking-json', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/json/v1` } });
      const broke = 'broke mid-answer: other side closed (UND_ERR_SOCKET)';
      const whole = await infer('breaking');
      expect(whole.status).toBe(502);
      expect(errorBodySchema.parse(await whole.json()).error).toBe(`the connection to the upstream of breaking ${broke}`);
      // A stream under way ends with the error frame after what came.
      const streamed = await infer('breaking', { stream: true });
      expect(streamed.status).toBe(200);
      const text = await streamed.text();
      expect(text).toContain('"content":"Hi"');
      expect(text).toContain(`the connection to the upstream of breaking ${broke}`);
      // JSON to a stream is read whole before the stream opens: the break still gets its status.
      const wholeToStream = await infer('breaking-json', { stream: true });
      expect(wholeToStream.status).toBe(502);
      expect(errorBodySchema.parse(await wholeToStream.json()).error).toBe(`the connection to the upstream of breaking-json ${broke}`);
    });
  });

  it('answers 502 with the upstream message when it fails', async () => {
    upstream.setBehavior({ fail: { status: 500, message: 'CUDA out of memory' } });
    const response = await infer('fake');
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: 'the upstream of fake failed (HTTP 500): CUDA out of memory' });
  });

  it('passes a rejection of the request itself through with its status', async () => {
    upstream.setBehavior({ fail: { status: 400, message: 'context length exceeded' } });
    const response = await infer('fake');
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error).toContain('context length exceeded');
    // A stream refused for something other than the stream_options mcpd added is not sent again.
    upstream.resetStats();
    const streamed = await infer('fake', { stream: true });
    expect(streamed.status).toBe(400);
    expect(upstream.requests).toHaveLength(1);
  });

  it('passes on how long a rate-limiting upstream asked to wait, however it said it, in seconds', async () => {
    const waits = async (fail: { retryAfter?: string; retryAfterMs?: string }) => {
      upstream.setBehavior({ fail: { status: 429, message: 'slow down', ...fail } });
      const response = await infer('fake');
      expect(response.status).toBe(429);
      return response.headers.get('retry-after');
    };
    expect(await waits({ retryAfter: '7' })).toBe('7');
    // An HTTP date 9 s ahead: about 9 s, not the 1 s it once became.
    expect(Number(await waits({ retryAfter: new Date(Date.now() + 9_000).toUTCString() }))).toBeGreaterThanOrEqual(8);
    // OpenAI's and Azure's milliseconds win over the coarser header.
    expect(await waits({ retryAfter: '1', retryAfterMs: '1500' })).toBe('2');
    // Nothing usable: a 429 still says to wait, a second.
    expect(await waits({ retryAfter: 'soon' })).toBe('1');
  });

  it('answers 502 when the upstream answers garbage', async () => {
    upstream.setBehavior({ mode: 'garbage' });
    const response = await infer('fake');
    expect(response.status).toBe(502);
    expect(errorBodySchema.parse(await response.json()).error).toBe('the upstream of fake answered something that is not a chat completion');
  });

  it('answers 504 when the upstream hangs', async () => {
    upstream.setBehavior({ mode: 'hang' });
    const response = await infer('fake');
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ error: 'the upstream of fake did not answer in time' });
  });

  it('says the upstream went silent mid-answer, not that it did not answer, when its body stalls past the idle timeout', async () => {
    await withUpstream((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (text: string) => (body += text));
      request.on('end', () => {
        const streaming = (JSON.parse(body) as { stream?: boolean }).stream === true;
        response.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
        response.write(streaming ? 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' : '{"id":"x",');
      });
    }, async (port) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'stalling', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/v1` } });
      const whole = await infer('stalling');
      expect(whole.status).toBe(504);
      expect(await whole.json()).toEqual({ error: 'the upstream of stalling went silent mid-answer' });
      const streamed = await infer('stalling', { stream: true });
      expect(streamed.status).toBe(200);
      const text = await streamed.text();
      expect(text).toContain('"content":"Hi"');
      expect(text).toContain('the upstream of stalling went silent mid-answer');
    });
  });

  it('names the LLM in the error frame of a stream its upstream failed or ended early', async () => {
    const chunk = 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n';
    await withUpstream((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(request.url?.includes('/early/') ? chunk : `${chunk}data: {"error":{"message":"KV cache exhausted"}}\n\n`);
      });
    }, async (port) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'failing', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/v1` } });
      await mcpd.api('/api/v1/llms', { json: { name: 'early', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/early/v1` } });
      expect(await (await infer('failing', { stream: true })).text()).toContain('"message":"the upstream of failing failed mid-stream: KV cache exhausted"');
      expect(await (await infer('early', { stream: true })).text()).toContain('"message":"the upstream of early closed the stream before it finished"');
    });
  });

  it('passes on a stream whose chunks leave out their envelope (created, object, id), finish and usage read as usual', async () => {
    const frames = [
      '{"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}',
      '{"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}',
      '[DONE]',
    ];
    await withUpstream((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(frames.map((frame) => `data: ${frame}\n\n`).join(''));
      });
    }, async (port) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'envelope-less', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/v1` } });
      const text = await (await infer('envelope-less', { stream: true })).text();
      expect(text).toBe(frames.map((frame) => `data: ${frame}\n\n`).join(''));
      let records: Array<Record<string, unknown>> = [];
      await eventually(async () => {
        records = (await (await mcpd.api('/api/v1/audit?llm=envelope-less')).json()) as Array<Record<string, unknown>>;
        return records.length === 1;
      });
      expect(records[0]).toMatchObject({ status: 200, completionTokens: 1 });
    });
  });

  it('ends a stream cut by the upstream with an explicit error frame', async () => {
    upstream.setBehavior({ mode: 'cut-mid-stream', tokenCount: 8 });
    const response = await infer('fake', { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"error":{"message":');
    expect(text).not.toContain('[DONE]');
  });

  it('aborts the upstream request when the caller disconnects', async () => {
    upstream.setBehavior({ tokensPerSecond: 5, tokenCount: 50 });
    const controller = new AbortController();
    const response = await infer('fake', { stream: true }, { signal: controller.signal });
    const reader = response.body!.getReader();
    // Past the opening role chunk, to the first token.
    let seen = '';
    while (!/"content":"[^"]/.test(seen)) seen += new TextDecoder().decode((await reader.read()).value as Uint8Array);
    controller.abort();
    await upstream.waitForCancelled(1, 2000);
    expect(upstream.cancelled).toBe(1);
    // Audited as the caller's leaving (499), with the first token it did get.
    await eventually(async () => {
      await mcpd.server.services.auditWriter.flush();
      const [record] = (await (await mcpd.api('/api/v1/audit?llm=fake&limit=1')).json()) as Array<Record<string, unknown>>;
      return record?.status === 499;
    });
    const [record] = (await (await mcpd.api('/api/v1/audit?llm=fake&limit=1')).json()) as Array<Record<string, unknown>>;
    expect(record!.firstTokenMs).toEqual(expect.any(Number));
  });

  it('writes an audit record for every inference, off the request path', async () => {
    await infer('fake');
    await infer('fake', { stream: true, stream_options: { include_usage: false } }).then((response) => response.text());
    await infer('missing');
    const records = (await (await mcpd.api('/api/v1/audit?llm=fake&limit=2')).json()) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ llmName: 'fake', servedBy: 'fake', streaming: true, status: 200, userName: 'admin', completionTokens: 6 });
    expect(records[0]!.firstTokenMs).toEqual(expect.any(Number));
    expect(records[1]).toMatchObject({ streaming: false, status: 200, completionTokens: 6 });
    const missing = (await (await mcpd.api('/api/v1/audit?llm=missing')).json()) as Array<Record<string, unknown>>;
    expect(missing[0]).toMatchObject({ status: 404, servedBy: null });
  });

  it('answers every request with its x-request-id, which finds its audit record', async () => {
    const whole = await infer('fake');
    const streamed = await infer('fake', { stream: true });
    await streamed.text();
    const refused = await infer('missing');
    const ids = [whole, streamed, refused].map((response) => response.headers.get('x-request-id') ?? '');
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(3);
    for (const [index, id] of ids.entries()) {
      const found = (await (await mcpd.api(`/api/v1/audit?requestId=${id}`)).json()) as Array<Record<string, unknown>>;
      expect(found).toEqual([expect.objectContaining({ requestId: id, streaming: index === 1, status: index === 2 ? 404 : 200 })]);
    }
    // The stock client shows it as the answer's request id.
    const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion._request_id).toMatch(/^req_/);
    const found = (await (await mcpd.api(`/api/v1/audit?requestId=${completion._request_id ?? ''}`)).json()) as Array<Record<string, unknown>>;
    expect(found).toHaveLength(1);
  });
});

describe('a public upstream that refuses stream_options, as Mistral’s API does', () => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;
  let client: OpenAI;
  const clock = new ManualClock();

  beforeAll(async () => {
    upstream = await startFakeUpstream({ tokenCount: 5, refuseStreamOptions: true });
    mcpd = await startTestServer({ database: await embedded!.open(), clock });
    await mcpd.api('/api/v1/llms', { json: { name: 'strict', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
  });

  afterAll(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  const streamedText = async () => {
    let text = '';
    const finishes: string[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'strict', messages: [{ role: 'user', content: 'Hi' }], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    return { text, finishes };
  };
  const sentStreamOptions = () => upstream.requests.map((request) => 'stream_options' in (request.body as object));

  it('streams all the same: asked again without the field once, then never with it, usage audited from the finish chunk', async () => {
    upstream.resetStats();
    const first = await streamedText();
    expect(first.text.split(' ').filter(Boolean)).toHaveLength(5);
    expect(first.finishes).toEqual(['stop']);
    expect(sentStreamOptions()).toEqual([true, false]);

    await streamedText();
    expect(sentStreamOptions()).toEqual([true, false, false]);
    let records: Array<Record<string, unknown>> = [];
    await eventually(async () => {
      records = (await (await mcpd.api('/api/v1/audit?llm=strict&limit=2')).json()) as Array<Record<string, unknown>>;
      return records.length === 2;
    });
    expect(records.map((record) => [record.status, record.completionTokens])).toEqual([
      [200, 5],
      [200, 5],
    ]);
  });

  it('asks a server that refused stream_options again once STREAM_OPTIONS_REASK_MS has passed: it may take them now', async () => {
    upstream.resetStats();
    await streamedText();
    clock.advance(STREAM_OPTIONS_REASK_MS - 1);
    await streamedText();
    expect(sentStreamOptions()).toEqual([false, false]);
    clock.advance(1);
    const asked = await streamedText();
    expect(asked.finishes).toEqual(['stop']);
    // Refused again: asked once more without them, and remembered for another period.
    await streamedText();
    expect(sentStreamOptions()).toEqual([false, false, true, false, false]);
  });

  it('remembers nothing from a refusal of stream_options the caller sent: the next stream asks for usage again', async () => {
    // Its own URL (a trailing slash): what the first test taught mcpd about `strict` does not apply to it.
    await mcpd.api('/api/v1/llms', { json: { name: 'strict-too', type: 'openai', model: 'm', url: `${upstream.openaiBaseUrl}/` } });
    upstream.resetStats();
    const theirs = client.chat.completions.create({
      model: 'strict-too',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { continuous_usage_stats: true } as never,
    });
    await expect(theirs).rejects.toMatchObject({ status: 422 });
    // Asked with mcpd's usage and theirs, then with theirs alone: refused both times.
    expect(sentStreamOptions()).toEqual([true, true]);
    upstream.resetStats();
    for await (const _chunk of await client.chat.completions.create({ model: 'strict-too', messages: [{ role: 'user', content: 'Hi' }], stream: true })) {
      // read to the end
    }
    expect(sentStreamOptions()).toEqual([true, false]);
  });

  it('passes the refusal through when the caller asked for stream_options itself', async () => {
    upstream.resetStats();
    const asked = client.chat.completions.create({
      model: 'strict',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    await expect(asked).rejects.toMatchObject({ status: 422 });
    expect(sentStreamOptions()).toEqual([true]);
  });

  it('asks every stream for usage again once the server took the stream_options a caller sent itself', async () => {
    // `strict` is remembered as refusing; then its server changes and takes the field.
    upstream.setBehavior({ refuseStreamOptions: false });
    try {
      upstream.resetStats();
      await streamedText();
      for await (const _chunk of await client.chat.completions.create({ model: 'strict', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } })) {
        // read to the end
      }
      await streamedText();
      expect(sentStreamOptions()).toEqual([false, true, true]);
    } finally {
      upstream.setBehavior({ refuseStreamOptions: true });
    }
  });

  it('sends a whole answer as before: no stream_options, nothing refused', async () => {
    upstream.resetStats();
    const completion = await client.chat.completions.create({ model: 'strict', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.usage?.completion_tokens).toBe(5);
    expect(sentStreamOptions()).toEqual([false]);
  });
});

describe('a public stream whose upstream ends its HTTP body after [DONE]', () => {
  const ask = (mcpd: TestServer, model: string) => mcpd.api('/v1/chat/completions', { json: { model, stream: true, messages: [{ role: 'user', content: 'Hi' }] } });

  async function withUpstream(chunks: readonly string[], run: (mcpd: TestServer, upstream: ScriptedStreamUpstream, clock: ManualClock) => Promise<void>) {
    const upstream = await startScriptedStreamUpstream(chunks, { holdEnd: true });
    const clock = new ManualClock();
    const mcpd = await startTestServer({ database: await embedded!.open(), clock });
    try {
      const created = await mcpd.api('/api/v1/llms', { json: { name: 'late-end', type: 'openai', model: 'scripted/model:Q4', url: upstream.openaiBaseUrl } });
      expect(created.status).toBe(201);
      await run(mcpd, upstream, clock);
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  }

  it('ends the caller’s answer at [DONE], then reads the upstream’s body to its end instead of cutting the connection', async () => {
    await withUpstream(SCRIPTED_CHUNKS, async (mcpd, upstream) => {
      // The caller has the whole answer while the upstream's body is still open.
      expect(await (await ask(mcpd, 'late-end')).text()).toContain('data: [DONE]');
      expect(upstream.ended + upstream.cutShort).toBe(0);
      upstream.endHeld();
      await eventually(() => upstream.ended + upstream.cutShort === 1);
      expect({ ended: upstream.ended, cutShort: upstream.cutShort }).toEqual({ ended: 1, cutShort: 0 });
    });
  });

  it('cuts a body still open 5 s after [DONE], on its clock', async () => {
    await withUpstream(SCRIPTED_CHUNKS, async (mcpd, upstream, clock) => {
      expect(await (await ask(mcpd, 'late-end')).text()).toContain('data: [DONE]');
      clock.advance(4_999);
      expect(upstream.cutShort).toBe(0);
      clock.advance(1);
      await eventually(() => upstream.cutShort === 1);
    });
  });

  it('cuts the body at once when the answer ended in an error frame, so the upstream stops generating', async () => {
    await withUpstream([SCRIPTED_CHUNKS[0]!, 'not json', SCRIPTED_CHUNKS[3]!], async (mcpd, upstream) => {
      const text = await (await ask(mcpd, 'late-end')).text();
      expect(text).toMatch(/data: \{"error"/);
      await eventually(() => upstream.cutShort === 1);
    });
  });
});

describe('a public stream whose upstream sends its head long before its first frame', () => {
  // Without the head's flush the callers would wait for a frame forever: fail fast instead.
  it('gives each caller its head at once, and the frames when they come, for streams opened together', { timeout: 15_000 }, async () => {
    const holding: ServerResponse[] = [];
    const upstream = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.flushHeaders();
      holding.push(response);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const mcpd = await startTestServer({ database: await embedded!.open() });
    try {
      const { port } = upstream.address() as AddressInfo;
      await mcpd.api('/api/v1/llms', { json: { name: 'slow-start', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/v1` } });
      const heads = AbortSignal.timeout(5_000);
      const ask = () => mcpd.api('/v1/chat/completions', { json: { model: 'slow-start', stream: true, messages: [{ role: 'user', content: 'Hi' }] }, signal: heads });
      // fetch resolves on the head: both arrive while the upstream holds every frame back.
      const responses = await Promise.all([ask(), ask(), ask()]);
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      expect(responses.every((response) => response.headers.get('content-type')?.startsWith('text/event-stream'))).toBe(true);
      expect(holding).toHaveLength(3);
      for (const response of holding) response.end(sseBody(SCRIPTED_CHUNKS));
      const texts = await Promise.all(responses.map((response) => response.text()));
      // The usage chunk goes only to a caller that asked for it (`stream_options.include_usage`).
      for (const text of texts) expect(text).toBe(sseBody(SCRIPTED_CHUNKS.slice(0, -1)));
    } finally {
      for (const response of holding) response.destroy();
      await mcpd.close();
      await mcpd.server.services.database.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});

describe('a public stream to a caller that stops reading', () => {
  const FRAME_CONTENT = 'a'.repeat(64 * 1024);
  const FRAMES = 768; // 48 MiB of content

  /** An upstream that writes 48 MiB of chunks as fast as its socket takes them, and tells how far it got. */
  async function startBigStream() {
    const state = { written: 0, finished: false, cut: false };
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const frame = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: FRAME_CONTENT }, finish_reason: null }] })}\n\n`;
      const last = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;
      response.on('close', () => (state.cut = !state.finished));
      let sent = 0;
      const writeMore = () => {
        while (sent < FRAMES) {
          sent += 1;
          const more = response.write(frame, () => (state.written = response.socket?.bytesWritten ?? state.written));
          if (!more) return void response.once('drain', writeMore);
        }
        response.end(last, () => (state.finished = true));
      };
      writeMore();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    return { state, url: `http://127.0.0.1:${port}/v1`, close };
  }

  /** Reads the first bytes of a big stream, then nothing until the upstream stops getting further. */
  async function askAndStopReading(mcpd: TestServer, state: { written: number; finished: boolean }) {
    const response = await mcpd.api('/v1/chat/completions', { json: { model: 'big', stream: true, messages: [{ role: 'user', content: 'Hi' }] } });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = (await reader.read()).value?.length ?? 0;
    // Whatever the machine's pace, the verdict is the same: a relay that reads on regardless
    // lets the upstream write all of it; one that holds it leaves the upstream stalled.
    for (let before = -1; state.written !== before && !state.finished; ) {
      before = state.written;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return { reader, first };
  }

  it('holds the upstream’s reads while the caller’s socket is full, then delivers the rest when it reads again', async () => {
    const upstream = await startBigStream();
    const mcpd = await startTestServer({ database: await embedded!.open() });
    try {
      await mcpd.api('/api/v1/llms', { json: { name: 'big', type: 'openai', model: 'm', url: upstream.url } });
      const { reader, first } = await askAndStopReading(mcpd, upstream.state);
      expect(upstream.state.finished).toBe(false);
      expect(upstream.state.written).toBeLessThan((FRAMES * FRAME_CONTENT.length) / 2);
      let received = first;
      let tail = '';
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        received += read.value.length;
        tail = (tail + Buffer.from(read.value).toString('latin1')).slice(-200);
      }
      expect(upstream.state.finished).toBe(true);
      expect(received).toBeGreaterThan(FRAMES * FRAME_CONTENT.length);
      expect(tail).toContain('"finish_reason":"stop"');
      expect(tail.endsWith('data: [DONE]\n\n')).toBe(true);
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  });

  it('cuts the answer and the upstream once the caller’s connection stayed full for the idle timeout, on its clock', async () => {
    const upstream = await startBigStream();
    const clock = new ManualClock();
    const mcpd = await startTestServer({ database: await embedded!.open(), clock, env: { MCPD_UPSTREAM_IDLE_TIMEOUT_SECONDS: '30' } });
    try {
      await mcpd.api('/api/v1/llms', { json: { name: 'big', type: 'openai', model: 'm', url: upstream.url } });
      const { reader } = await askAndStopReading(mcpd, upstream.state);
      clock.advance(29_999);
      expect(upstream.state.cut).toBe(false);
      clock.advance(1);
      await eventually(() => upstream.state.cut);
      await reader.cancel();
      await mcpd.server.services.auditWriter.flush();
      const [record] = (await (await mcpd.api('/api/v1/audit?llm=big')).json()) as Array<Record<string, unknown>>;
      expect(record).toMatchObject({ status: 502, error: "the caller's connection stayed full for 30 s; the answer was cut" });
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  });
});

describe('a public upstream that answers more than MCPD_MAX_RESULT_BYTES', () => {
  // Larger than one read of a socket, so the frame is still unfinished when it passes the bound.
  const BIG = 'b'.repeat(256 * 1024);

  it('answers 502 for a whole answer past the bound, and ends a stream with an error frame at a frame past it', async () => {
    const upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const { stream } = JSON.parse(Buffer.concat(chunks).toString()) as { stream?: boolean };
        const choice = { index: 0, delta: { content: BIG }, finish_reason: null };
        if (stream) {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ ...choice, delta: { role: 'assistant', content: 'ok' } }] })}\n\n`);
          response.end(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [choice] })}\n\n`);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: BIG }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const mcpd = await startTestServer({ database: await embedded!.open(), env: { MCPD_MAX_RESULT_BYTES: '4096' } });
    try {
      const { port } = upstream.address() as AddressInfo;
      await mcpd.api('/api/v1/llms', { json: { name: 'wordy', type: 'openai', model: 'm', url: `http://127.0.0.1:${port}/v1` } });
      const whole = await mcpd.api('/v1/chat/completions', { json: { model: 'wordy', messages: [{ role: 'user', content: 'Hi' }] } });
      expect(whole.status).toBe(502);
      expect(((await whole.json()) as { error: string }).error).toBe('the upstream of wordy answered more than 4096 bytes (MCPD_MAX_RESULT_BYTES)');
      const streamed = await mcpd.api('/v1/chat/completions', { json: { model: 'wordy', stream: true, messages: [{ role: 'user', content: 'Hi' }] } });
      const text = await streamed.text();
      expect(text).toContain('"content":"ok"');
      expect(text).toContain('data: {"error":{"message":"the upstream of wordy failed mid-stream: a stream frame is larger than 4096 characters"');
      expect(text).not.toContain(BIG);
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
