import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SCRIPTED_CHUNKS, startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { ManualClock } from '@mcpctl/clock/manual';
import { STREAM_OPTIONS_REASK_MS } from '@mcpctl/dialects';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import type { CompletionOptions } from '../../src/providers/llm-provider.js';
import { localServerAgent } from '../../src/providers/provider-http.js';
import { startScriptedServer, sseFrames, splitInHalves, type ScriptedServer } from './support/scripted-server.js';
import { collect } from './support/provider-conformance.js';
import { eventually } from '../support/eventually.js';

const QUESTION = [{ role: 'user' as const, content: 'What is 2 + 2?' }];

/** Idle kept-alive connections of the agent's pool for `origin` (an agent keeps a pool per origin; only pools count free ones). */
function freeConnections(origin: string): number | undefined {
  const stats = localServerAgent.stats[origin];
  return stats && 'free' in stats ? stats.free : undefined;
}

function chunk(delta: Record<string, unknown>, finishReason: string | null = null) {
  return { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

describe('OpenAI provider', () => {
  let upstream: FakeUpstream | undefined;
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await upstream?.close();
    await server?.close();
    upstream = server = undefined;
  });

  it('sends the options, the extra fields unchanged, the key, and asks for usage on a stream', async () => {
    upstream = await startFakeUpstream();
    const provider = new OpenAiProvider({ name: 'vllm', url: upstream.url, model: 'qwen3', apiKey: 'local-key' });
    await collect(
      provider.stream({
        messages: QUESTION,
        temperature: 0.2,
        maxTokens: 50,
        topP: 0.9,
        stop: ['\n\n'],
        extra: { seed: 7, guided_json: { type: 'object' }, stream_options: { continuous_usage_stats: true } },
      }),
    );
    const request = upstream.requests.at(-1)!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer local-key');
    expect(request.body).toEqual({
      seed: 7,
      guided_json: { type: 'object' },
      model: 'qwen3',
      messages: QUESTION,
      stream: true,
      stream_options: { continuous_usage_stats: true, include_usage: true },
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      stop: ['\n\n'],
    });
  });

  it('asks a server that refuses stream_options again without them, once, then not with them for a while, on both stream paths', async () => {
    upstream = await startFakeUpstream({ tokens: ['4', '.'], refuseStreamOptions: true });
    const clock = new ManualClock();
    const provider = new OpenAiProvider({ name: 'strict', url: upstream.url, model: 'm', clock });
    const deltas = await collect(provider.stream({ messages: QUESTION }));
    expect(deltas).toContainEqual(expect.objectContaining({ type: 'usage', usage: expect.objectContaining({ completionTokens: 2 }) }));
    const relayed: string[] = [];
    await provider.relayChunks({ messages: QUESTION }, async (text) => relayed.push(text));
    expect(relayed.at(-1)).toContain('"usage":{');
    expect(upstream.requests.map((request) => 'stream_options' in (request.body as object))).toEqual([true, false, false]);

    // A server is upgraded, or the proxy that refused the field is changed: it is asked again after a while.
    clock.advance(STREAM_OPTIONS_REASK_MS);
    await provider.relayChunks({ messages: QUESTION }, async () => undefined);
    expect(upstream.requests.map((request) => 'stream_options' in (request.body as object))).toEqual([true, false, false, true, false]);
  });

  it("asks for usage when the caller did, whatever the server refused before, and leaves the server's refusal to the caller", async () => {
    upstream = await startFakeUpstream({ tokens: ['4', '.'] });
    const provider = new OpenAiProvider({ name: 'strict', url: upstream.url, model: 'm' });
    upstream.setBehavior({ refuseStreamOptions: true });
    await provider.relayChunks({ messages: QUESTION }, async () => undefined);
    upstream.setBehavior({ refuseStreamOptions: false });
    // Remembered as refusing, but this caller asked: the server, which takes them now, is asked.
    const relayed: string[] = [];
    await provider.relayChunks({ messages: QUESTION, usageAsked: true }, async (text) => relayed.push(text));
    expect(relayed.at(-1)).toContain('"usage":{');
    // It took them: the next callers' streams ask for usage again too.
    await provider.relayChunks({ messages: QUESTION }, async () => undefined);
    upstream.setBehavior({ refuseStreamOptions: true });
    await expect(provider.relayChunks({ messages: QUESTION, usageAsked: true }, async () => undefined)).rejects.toMatchObject({ status: 422 });
    expect(upstream.requests.map((request) => 'stream_options' in (request.body as object))).toEqual([true, false, true, true, true]);
  });

  it('streams a whole completion a server answered a stream with, on both stream paths, the usage included', async () => {
    upstream = await startFakeUpstream({ tokens: ['4', '.'], ignoreStream: true });
    const provider = new OpenAiProvider({ name: 'whole', url: upstream.url, model: 'm' });
    const relayed: string[] = [];
    expect(await provider.relayChunks({ messages: QUESTION }, async (text) => relayed.push(text))).toEqual({ finished: true });
    const chunks = relayed.map((text) => JSON.parse(text) as { object: string; choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: unknown });
    expect(chunks.map((entry) => entry.object)).toEqual(['chat.completion.chunk', 'chat.completion.chunk', 'chat.completion.chunk']);
    expect(chunks[0]?.choices[0]).toMatchObject({ delta: { role: 'assistant', content: '4.' }, finish_reason: null });
    expect(chunks[1]?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks[2]).toMatchObject({ choices: [], usage: { completion_tokens: 2 } });

    const deltas = await collect(provider.stream({ messages: QUESTION }));
    expect(deltas.filter((delta) => delta.type === 'text').map((delta) => (delta as { text: string }).text).join('')).toBe('4.');
    expect(deltas).toContainEqual(expect.objectContaining({ type: 'finish', reason: 'stop' }));
  });

  it('says what came when a stream is answered whole with something that is not a chat completion', async () => {
    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify({ error: { message: 'model\n overloaded' } })] });
    const json = new OpenAiProvider({ name: 'odd', url: server.url, model: 'm' });
    const expected = 'provider "odd" answered a streaming request with application/json that is not a chat completion: model overloaded';
    await expect(json.relayChunks({ messages: QUESTION }, async () => undefined)).rejects.toMatchObject({ status: 502, message: expected });
    await expect(collect(json.stream({ messages: QUESTION }))).rejects.toMatchObject({ status: 502, message: expected });
    await server.close();

    server = await startScriptedServer({ contentType: 'text/html', chunks: ['<html>Welcome to nginx!</html>'] });
    const html = new OpenAiProvider({ name: 'proxy', url: server.url, model: 'm' });
    await expect(html.relayChunks({ messages: QUESTION }, async () => undefined)).rejects.toMatchObject({
      status: 502,
      message: 'provider "proxy" answered a streaming request with text/html that is not a chat completion',
    });
  });

  it('does not send again a stream the server refused for something else', async () => {
    upstream = await startFakeUpstream({ fail: { status: 422, message: 'temperature must be at most 2' } });
    const provider = new OpenAiProvider({ name: 'strict', url: upstream.url, model: 'm' });
    await expect(collect(provider.stream({ messages: QUESTION, temperature: 9 }))).rejects.toMatchObject({ status: 422 });
    expect(upstream.requests).toHaveLength(1);
  });

  it("sends a URL's user and password as Basic authorization, for a server behind a proxy that asks", async () => {
    upstream = await startFakeUpstream();
    const provider = new OpenAiProvider({ name: 'vllm', url: upstream.url.replace('http://', 'http://desk:p%40ss@'), model: 'qwen3' });
    await collect(provider.stream({ messages: QUESTION }));
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('desk:p@ss').toString('base64')}`);
  });

  it('masks what the server quotes back of its credentials: the password, the Basic token, a secret query value, the key', async () => {
    const echo = createServer((request, response) => {
      const authorization = request.headers.authorization ?? '';
      const decoded = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8') : '-';
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `bad auth: ${request.headers.authorization ?? ''} = ${decoded} at ${request.url ?? ''}` } }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const port = (echo.address() as AddressInfo).port;
      const provider = new OpenAiProvider({ name: 'desk', url: `http://u1:Wr0ngPass@127.0.0.1:${port}/v1?api_key=QK999&x=1`, model: 'm' });
      const failure = await collect(provider.stream({ messages: QUESTION })).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect((failure as ProviderError).message).toBe('provider "desk" answered HTTP 401: bad auth: Basic *** = u1:*** at /v1/chat/completions?api_key=***&x=1');
      const keyed = new OpenAiProvider({ name: 'desk', url: `http://127.0.0.1:${port}/v1`, model: 'm', apiKey: 'sk-local-123' });
      const refused = await collect(keyed.stream({ messages: QUESTION })).catch((error: unknown) => error);
      expect((refused as ProviderError).message).toBe('provider "desk" answered HTTP 401: bad auth: Bearer *** = - at /v1/chat/completions');
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it('takes a whole answer whose message has tool calls and no content key, and a usage without its total', async () => {
    const answer = {
      id: 'c1', object: 'chat.completion', created: 1, model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    };
    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify(answer)] });
    const provider = new OpenAiProvider({ name: 'tools', url: server.url, model: 'm' });
    // As the relay sends it on: the server's body.
    expect(await provider.completionBody({ messages: QUESTION })).toEqual(answer);
    const completion = await provider.complete({ messages: QUESTION });
    expect(completion.toolCalls).toEqual([{ id: 'call_1', name: 'add', arguments: '{"a":2}' }]);
    expect(completion.content).toBe('');
    expect(completion.usage).toMatchObject({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
  });

  it('takes a base URL with a path as the API root', async () => {
    server = await startScriptedServer({ contentType: 'application/json', chunks: ['{"object":"list","data":[{"id":"a"},{"id":"b"}]}'] });
    const provider = new OpenAiProvider({ name: 'proxy', url: `${server.url}/openai/v1/`, model: 'a' });
    expect(await provider.listModels()).toEqual(['a', 'b']);
    expect(server.requests[0]!.path).toBe('/openai/v1/models');
  });

  it('streams reasoning under the field name the server used, and tool calls, across split frames', async () => {
    const frames = sseFrames([
      chunk({ role: 'assistant', content: '' }),
      chunk({ reasoning_content: 'Adding ' }),
      chunk({ reasoning: 'two and two.' }),
      chunk({ content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'add', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":2,' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"b":2}' } }] }),
      chunk({}, 'tool_calls'),
      { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
      '[DONE]',
    ]);
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: splitInHalves(frames) });
    const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
    const deltas = (await collect(provider.stream({ messages: QUESTION }))).map(({ at: _at, ...delta }) => delta);
    expect(deltas).toEqual([
      { type: 'reasoning', text: 'Adding ', field: 'reasoning_content' },
      { type: 'reasoning', text: 'two and two.', field: 'reasoning' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool-call', index: 0, id: 'call_1', name: 'add', arguments: '' },
      { type: 'tool-call', index: 0, id: undefined, name: undefined, arguments: '{"a":2,' },
      { type: 'tool-call', index: 0, id: undefined, name: undefined, arguments: '"b":2}' },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 9, completionTokens: 4, totalTokens: 13 } },
    ]);
  });

  it('fails on an error frame inside the stream with the server message', async () => {
    const frames = sseFrames([chunk({ content: 'Partial' }), { error: { message: 'KV cache exhausted', type: 'server_error' } }]);
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: frames });
    const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
    const seen: string[] = [];
    const failure = await (async () => {
      try {
        for await (const delta of provider.stream({ messages: QUESTION })) if (delta.type === 'text') seen.push(delta.text);
      } catch (error) {
        return error;
      }
    })();
    expect(seen).toEqual(['Partial']);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).serverMessage).toBe('KV cache exhausted');
  });

  it('fails a stream that ends without a finish reason', async () => {
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: sseFrames([chunk({ content: 'Half an ans' })]) });
    const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
    await expect(collect(provider.stream({ messages: QUESTION }))).rejects.toThrow(/ended before the answer finished/);
  });

  it('ends a stream whose [DONE] came without a finish reason with a finish of stop, as mcpd does for a public LLM', async () => {
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: sseFrames([chunk({ content: 'All of it' }), '[DONE]']) });
    const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
    const deltas = await collect(provider.stream({ messages: QUESTION }));
    expect(deltas.flatMap((delta) => (delta.type === 'finish' ? [delta.reason] : []))).toEqual(['stop']);
  });

  it('reads the rest of the body after [DONE] on the delta path too, so the connection is reused', async () => {
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames([...SCRIPTED_CHUNKS, '[DONE]']).join('')], gapMs: 0, holdEnd: true });
    const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
    for (let call = 0; call < 2; call += 1) {
      const deltas = await collect(provider.stream({ messages: QUESTION }));
      expect(deltas.some((delta) => delta.type === 'finish')).toBe(true);
      server.endHeld();
      await eventually('the connection free again', () => freeConnections(server!.url) === 1);
    }
    expect(server.cutShort).toBe(0);
    expect(server.connections).toBe(1);
  });

  describe('chunks as the server wrote them', () => {
    const texts = async (provider: OpenAiProvider, options: CompletionOptions = { messages: QUESTION }) => {
      const seen: string[] = [];
      await provider.relayChunks(options, async (text) => seen.push(text));
      return seen;
    };

    it('hands on every chunk byte for byte, across split frames, and stops at [DONE]', async () => {
      const frames = [...sseFrames([...SCRIPTED_CHUNKS, '[DONE]']), 'data: {"not":"read"}\n\n'];
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: splitInHalves(frames) });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      expect(await texts(provider)).toEqual(SCRIPTED_CHUNKS);
    });

    it('ends at [DONE] without waiting for the server to end its body, then reads the rest so the connection is reused', async () => {
      // The server sends its answer and [DONE] at once, and ends the HTTP body only when told.
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames([...SCRIPTED_CHUNKS, '[DONE]']).join('')], gapMs: 0, holdEnd: true });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      expect(await texts(provider)).toEqual(SCRIPTED_CHUNKS);
      expect(server.ended).toBe(0);
      server.endHeld();
      // Read to its end, the connection is free again in the pool (a body cut short would close it).
      await eventually('the connection free again', () => freeConnections(server!.url) === 1);
      expect(server.ended).toBe(1);
      expect(await texts(provider)).toEqual(SCRIPTED_CHUNKS);
      expect(server.connections).toBe(1);
    });

    it('cuts a body still open 5 s after [DONE], on its clock', async () => {
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames([...SCRIPTED_CHUNKS, '[DONE]']).join('')], gapMs: 0, holdEnd: true });
      const clock = new ManualClock();
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3', clock });
      expect(await texts(provider)).toEqual(SCRIPTED_CHUNKS);
      clock.advance(4_999);
      expect(server.cutShort).toBe(0);
      clock.advance(1);
      await eventually('the body cut', () => server!.cutShort === 1);
    });

    it("fails with the sink's own failure and cuts the server's answer", async () => {
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames([...SCRIPTED_CHUNKS]).join('')], gapMs: 0, holdEnd: true });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      const refused = new Error('the provider socket closed before a task result was written');
      let taken = 0;
      const relayed = provider.relayChunks({ messages: QUESTION }, async () => {
        taken += 1;
        if (taken === 2) throw refused;
      });
      await expect(relayed).rejects.toBe(refused);
      expect(taken).toBe(2);
      await eventually('the answer cut', () => server!.cutShort === 1);
    });

    it('stops at an abort mid-stream with its reason and cuts the answer', async () => {
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: sseFrames([...SCRIPTED_CHUNKS]), gapMs: 20, holdEnd: true });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      const controller = new AbortController();
      const reason = new Error('mcpd cancelled the task');
      const seen: string[] = [];
      const relayed = provider.relayChunks({ messages: QUESTION, signal: controller.signal }, async (text) => {
        seen.push(text);
        controller.abort(reason);
      });
      await expect(relayed).rejects.toBe(reason);
      expect(seen).toEqual([SCRIPTED_CHUNKS[0]]);
      await eventually('the answer cut', () => server!.cutShort === 1);
    });

    it('hands on a long answer whole and in order to a sink slower than the server', async () => {
      const many = Array.from({ length: 400 }, (_, index) => JSON.stringify(chunk({ content: `t${index} ` })));
      const frames = sseFrames([...many, JSON.stringify(chunk({}, 'stop')), '[DONE]']);
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [frames.slice(0, 200).join(''), frames.slice(200).join('')], gapMs: 0 });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      const seen: string[] = [];
      await provider.relayChunks({ messages: QUESTION }, async (text) => {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(text);
      });
      expect(seen).toEqual([...many, JSON.stringify(chunk({}, 'stop'))]);
    });

    it("keeps the connection when the task's signal aborts after the answer, before the server ends its body", async () => {
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames([...SCRIPTED_CHUNKS, '[DONE]']).join('')], gapMs: 0, holdEnd: true });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      for (let call = 0; call < 2; call += 1) {
        // As TaskHandler aborts every task's signal once the task is over.
        const task = new AbortController();
        expect(await texts(provider, { messages: QUESTION, signal: task.signal })).toEqual(SCRIPTED_CHUNKS);
        task.abort(new Error('the task is over'));
        server.endHeld();
        await eventually('the connection free again', () => freeConnections(server!.url) === 1);
      }
      expect(server.cutShort).toBe(0);
      expect(server.connections).toBe(1);
    });

    it('hands on the chunks that came before an error frame in the same read, then fails', async () => {
      const before = SCRIPTED_CHUNKS.slice(0, 3);
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames([...before, { error: { message: 'CUDA out of memory' } }]).join('')] });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      const seen: string[] = [];
      const relayed = provider.relayChunks({ messages: QUESTION }, async (text) => seen.push(text));
      await expect(relayed).rejects.toThrow(/failed mid-stream: CUDA out of memory/);
      expect(seen).toEqual(before);
    });

    it('fails only after the chunk in flight settled, so an error result cannot overtake it', async () => {
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [sseFrames(SCRIPTED_CHUNKS.slice(0, 1)).join(''), sseFrames(['not json']).join('')], gapMs: 5 });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      const events: string[] = [];
      const relayed = provider.relayChunks({ messages: QUESTION }, async () => {
        events.push('post started');
        await new Promise((resolve) => setTimeout(resolve, 100));
        events.push('post done');
      });
      await relayed.catch(() => events.push('failed'));
      expect(events).toEqual(['post started', 'post done', 'failed']);
    });

    it('writes a frame that spans lines on one line, the one frame it writes anew', async () => {
      const finish = JSON.stringify(chunk({}, 'stop'));
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: [`data: {"id":"c1",\ndata: "object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\ndata: ${finish}\n\n`] });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      expect(await texts(provider)).toEqual(['{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}', finish]);
    });

    it('hands on a stream whose [DONE] came without a finish reason whole: mcpd adds the finish chunk', async () => {
      const only = JSON.stringify(chunk({ content: 'All of it' }));
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: sseFrames([only, '[DONE]']) });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      expect(await texts(provider)).toEqual([only]);
    });

    it.each([
      ['ends without a finish reason or [DONE]', [chunk({ content: 'Half an ans' })], /ended before the answer finished/],
      ['carries an error frame after output', [chunk({ content: 'Partial' }), { error: { message: 'KV cache exhausted' } }], /failed mid-stream: KV cache exhausted/],
      ['sends a frame that is not JSON', [chunk({ content: 'Partial' }), 'not json'], /not JSON/],
      ['sends a frame that is not a chunk', [chunk({ content: 'Partial' }), { choices: 'none' }], /stream chunk/],
    ])('fails as a stream of deltas does when the server %s', async (_case, values, message) => {
      server = await startScriptedServer({ contentType: 'text/event-stream', chunks: sseFrames(values) });
      const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
      await expect(texts(provider)).rejects.toThrow(message);
    });
  });

  it('reads reasoning and tool calls from a whole completion', async () => {
    const completion = {
      id: 'c2',
      object: 'chat.completion',
      created: 1,
      model: 'qwen3',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            reasoning_content: 'The user wants a sum.',
            tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
    };
    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify(completion)] });
    const provider = new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen3' });
    expect(await provider.complete({ messages: QUESTION })).toEqual({
      content: '',
      reasoning: 'The user wants a sum.',
      reasoningField: 'reasoning_content',
      toolCalls: [{ id: 'call_9', name: 'add', arguments: '{"a":2,"b":2}' }],
      usage: { promptTokens: 12, completionTokens: 7, totalTokens: 19 },
      finishReason: 'tool_calls',
    });
  });
});
