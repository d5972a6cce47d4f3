import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { errorBodySchema } from '@mcpctl/protocol';
import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

/*
 * Some OpenAI-compatible servers ignore `stream`: asked for a stream, they answer 200 with the
 * whole completion as JSON. The caller still gets the stream it asked for; an answer that is not
 * a completion gets a real 502, before any byte of an answer went out.
 */

const [embedded] = testDatabaseVariants();
const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('a public LLM whose upstream answers streams whole', () => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ tokens: ['Hello', ',', ' world', '!'], ignoreStream: true });
    mcpd = await startTestServer({ database: await embedded!.open() });
    await mcpd.api('/api/v1/llms', { json: { name: 'whole', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    await mcpd.api('/api/v1/llms', { json: { name: 'whole-anthropic', type: 'anthropic', model: 'm', url: upstream.url } });
    await mcpd.api('/api/v1/llms', { json: { name: 'whole-ollama', type: 'ollama', model: 'm', url: upstream.url } });
  });

  afterAll(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  afterEach(() => upstream.setBehavior({ mode: 'normal', fail: undefined }));

  const infer = (name: string, body: Record<string, unknown> = {}) => mcpd.api(`/api/v1/llms/${name}/infer`, { json: { messages, stream: true, ...body } });
  const lastAudit = async (llm: string) => {
    await mcpd.server.services.auditWriter.flush();
    const [record] = (await (await mcpd.api(`/api/v1/audit?llm=${llm}&limit=1`)).json()) as Array<Record<string, unknown>>;
    return record;
  };

  it.each(['whole', 'whole-anthropic', 'whole-ollama'])('streams it to the stock openai client from %s: the role and the whole text, the finish reason, the usage asked for', async (name) => {
    const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: name, messages, stream: true, stream_options: { include_usage: true } });
    const roles: string[] = [];
    const deltas: string[] = [];
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.role) roles.push(choice.delta.role);
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(roles).toEqual(['assistant']);
    expect(deltas).toEqual(['Hello, world!']);
    expect(finishReasons).toEqual(['stop']);
    expect(usage?.completion_tokens).toBe(4);
    expect((upstream.requests.at(-1)!.body as { stream?: boolean }).stream).toBe(true);

    // The SDK's stream helper, which checks the stream's shape to build the final completion.
    const final = await client.chat.completions.stream({ model: name, messages }).finalChatCompletion();
    expect(final.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello, world!' }, finish_reason: 'stop' });
  });

  it('writes the SSE frames of an OpenAI stream, the usage chunk only when asked, and audits the usage and the first token', async () => {
    const response = await infer('whole');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-mcpctl-served-by')).toBe('whole');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[2]).toBe('data: [DONE]');
    const [opening, finish] = frames.slice(0, 2).map((frame) => JSON.parse(frame.replace(/^data: /, '')) as Record<string, unknown>);
    expect(opening).toMatchObject({ id: expect.stringMatching(/^chatcmpl-fake-/), object: 'chat.completion.chunk', model: 'm' });
    expect(opening!.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: 'Hello, world!' }, logprobs: null, finish_reason: null }]);
    expect(finish!.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    // Not asked for usage: no `usage` field at all, as OpenAI streams it.
    expect([opening, finish].map((chunk) => 'usage' in chunk!)).toEqual([false, false]);

    expect(await lastAudit('whole')).toMatchObject({ streaming: true, status: 200, servedBy: 'whole', promptTokens: expect.any(Number), completionTokens: 4, firstTokenMs: expect.any(Number) });

    const withUsage = (await (await infer('whole', { stream_options: { include_usage: true } })).text()).split('\n\n').filter(Boolean);
    expect(withUsage).toHaveLength(4);
    expect(JSON.parse(withUsage[2]!.replace(/^data: /, ''))).toMatchObject({ choices: [], usage: { completion_tokens: 4 } });
    expect(JSON.parse(withUsage[0]!.replace(/^data: /, ''))).toMatchObject({ usage: null });
  });

  it('keeps the answer in an agent’s thread as a streamed one is kept', async () => {
    await mcpd.api('/api/v1/agents', { json: { name: 'helper', llm: 'whole' } });
    const response = await mcpd.api('/api/v1/agents/helper/chat', { json: { messages, stream: true } });
    expect(await response.text()).toContain('[DONE]');
    const thread = (await (await mcpd.api(`/api/v1/threads/${response.headers.get('x-mcpctl-thread-id') ?? ''}`)).json()) as { messages: Array<Record<string, unknown>> };
    expect(thread.messages[1]).toMatchObject({ role: 'assistant', content: 'Hello, world!', completionTokens: 4 });
  });

  it('streams tool calls answered whole, whole calls the stock client puts together', async () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
    const completion = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }] };
    await withUpstream(answering(200, 'application/json; charset=utf-8', JSON.stringify(completion)), async (url) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'tooly', type: 'openai', model: 'm', url } });
      const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
      const final = await client.chat.completions.stream({ model: 'tooly', messages, tools }).finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe('tool_calls');
      expect(final.choices[0]?.message.tool_calls).toEqual([call]);
    });
  });

  it('answers 502 before any byte of an answer when the whole answer is not a chat completion, saying what came', async () => {
    upstream.setBehavior({ mode: 'garbage' });
    const garbage = await infer('whole');
    expect(garbage.status).toBe(502);
    expect(garbage.headers.get('content-type')).toContain('application/json');
    const message = 'the upstream of whole answered a streaming request with application/json that is not a chat completion';
    expect(errorBodySchema.parse(await garbage.json()).error).toBe(message);
    expect(await lastAudit('whole')).toMatchObject({ streaming: true, status: 502, error: message });

    // The stock client sees the status, not a stream that broke.
    upstream.setBehavior({ mode: 'garbage' });
    const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'whole', messages, stream: true })).rejects.toMatchObject({ status: 502 });

    // An error status is what it always was.
    upstream.setBehavior({ fail: { status: 500, message: 'engine died' } });
    const failed = await infer('whole');
    expect(failed.status).toBe(502);
    expect(errorBodySchema.parse(await failed.json()).error).toBe('the upstream of whole failed (HTTP 500): engine died');
  });

  it('answers 502 for a JSON body that is not a completion, with the error it carries, and for a body of another type', async () => {
    await withUpstream(answering(200, 'application/json', JSON.stringify({ error: { message: 'model overloaded' } })), async (url) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'error-200', type: 'openai', model: 'm', url } });
      const response = await infer('error-200');
      expect(response.status).toBe(502);
      expect(errorBodySchema.parse(await response.json()).error).toBe('the upstream of error-200 answered a streaming request with application/json that is not a chat completion: model overloaded');
    });
    await withUpstream(answering(200, 'text/html; charset=utf-8', '<html><body>Welcome to nginx!</body></html>'), async (url) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'html', type: 'openai', model: 'm', url } });
      const response = await infer('html');
      expect(response.status).toBe(502);
      expect(errorBodySchema.parse(await response.json()).error).toBe('the upstream of html answered a streaming request with text/html that is not a chat completion');
    });
  });

  it('reads an event stream labelled text/plain as the stream it is', async () => {
    const sse = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n' +
      'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    await withUpstream(answering(200, 'text/plain; charset=utf-8', sse), async (url) => {
      await mcpd.api('/api/v1/llms', { json: { name: 'plain-sse', type: 'openai', model: 'm', url } });
      const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.token, maxRetries: 0 });
      const final = await client.chat.completions.stream({ model: 'plain-sse', messages }).finalChatCompletion();
      expect(final.choices[0]).toMatchObject({ message: { content: 'Hi' }, finish_reason: 'stop' });
    });
  });
});

/** Answers every request with this status, content type and body. */
function answering(status: number, contentType: string, body: string): RequestListener {
  return (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': contentType });
      response.end(body);
    });
  };
}

/** A model server of the test's own on a free port (its `/v1` URL), closed after `run` whatever it did. */
async function withUpstream(handler: RequestListener, run: (url: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
