import type { ChatMessage } from '@mcpctl/protocol';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { OllamaProvider } from '../../src/providers/ollama/ollama-provider.js';
import { collect } from './support/provider-conformance.js';
import { splitInHalves, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const QUESTION: ChatMessage[] = [{ role: 'user', content: 'What is 2 + 2?' }];

function lines(values: unknown[]): string[] {
  return values.map((value) => `${JSON.stringify(value)}\n`);
}

function sequentialIds(): () => string {
  let next = 0;
  return () => `call_${(next += 1)}`;
}

describe('Ollama provider', () => {
  let upstream: FakeUpstream | undefined;
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await upstream?.close();
    await server?.close();
    upstream = server = undefined;
  });

  it('speaks the native API: sampling in options, tool history by name, images inline', async () => {
    upstream = await startFakeUpstream({ model: 'llama3.2' });
    const provider = new OllamaProvider({ name: 'ollama', url: `${upstream.url}/`, model: 'llama3.2' });
    await collect(
      provider.stream({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0=' } }] },
          { role: 'assistant', content: '', tool_calls: [{ id: 'call_7', type: 'function', function: { name: 'look', arguments: '{"zoom":2}' } }] },
          { role: 'tool', tool_call_id: 'call_7', content: 'a cat' },
        ],
        temperature: 0.3,
        maxTokens: 64,
        topP: 0.8,
        stop: ['###'],
        extra: { seed: 42, response_format: { type: 'json_object' }, keep_alive: '10m' },
      }),
    );
    const request = upstream.requests.at(-1)!;
    expect(request.path).toBe('/api/chat');
    expect(request.body).toEqual({
      model: 'llama3.2',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is this?', images: ['iVBORw0='] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'look', arguments: { zoom: 2 } } }] },
        { role: 'tool', content: 'a cat', tool_name: 'look' },
      ],
      options: { seed: 42, temperature: 0.3, num_predict: 64, top_p: 0.8, stop: ['###'] },
      format: 'json',
      keep_alive: '10m',
    });
  });

  it('streams thinking, text and whole tool calls line by line, across split reads', async () => {
    const body = lines([
      { model: 'qwen3', message: { role: 'assistant', content: '', thinking: 'Sum it.' }, done: false },
      { model: 'qwen3', message: { role: 'assistant', content: 'Calling.' }, done: false },
      { model: 'qwen3', message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'add', arguments: { a: 2, b: 2 } } }] }, done: false },
      { model: 'qwen3', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 30, eval_count: 12 },
    ]);
    server = await startScriptedServer({ contentType: 'application/x-ndjson', chunks: splitInHalves(body) });
    const provider = new OllamaProvider({ name: 'ollama', url: server.url, model: 'qwen3', generateToolCallId: sequentialIds() });
    const deltas = (await collect(provider.stream({ messages: QUESTION }))).map(({ at: _at, ...delta }) => delta);
    expect(deltas).toEqual([
      { type: 'reasoning', text: 'Sum it.', field: 'reasoning_content' },
      { type: 'text', text: 'Calling.' },
      { type: 'tool-call', index: 0, id: 'call_1', name: 'add', arguments: '{"a":2,"b":2}' },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 30, completionTokens: 12, totalTokens: 42 } },
    ]);
  });

  it('fails on an error line inside the stream with the server message', async () => {
    const body = lines([{ model: 'qwen3', message: { role: 'assistant', content: 'Hal' }, done: false }, { error: 'model runner has unexpectedly stopped' }]);
    server = await startScriptedServer({ contentType: 'application/x-ndjson', chunks: body });
    const provider = new OllamaProvider({ name: 'ollama', url: server.url, model: 'qwen3' });
    const error = await collect(provider.stream({ messages: QUESTION })).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).serverMessage).toBe('model runner has unexpectedly stopped');
  });

  it('reads thinking and tool calls from a whole answer', async () => {
    const answer = {
      model: 'qwen3',
      message: { role: 'assistant', content: '', thinking: 'Use the tool.', tool_calls: [{ id: 'call_x', function: { name: 'add', arguments: { a: 1 } } }] },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 8,
      eval_count: 3,
    };
    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify(answer)] });
    const provider = new OllamaProvider({ name: 'ollama', url: server.url, model: 'qwen3' });
    expect(await provider.complete({ messages: QUESTION })).toEqual({
      content: '',
      reasoning: 'Use the tool.',
      reasoningField: 'reasoning_content',
      toolCalls: [{ id: 'call_x', name: 'add', arguments: '{"a":1}' }],
      usage: { promptTokens: 8, completionTokens: 3, totalTokens: 11 },
      finishReason: 'tool_calls',
    });
    expect(server.requests[0]!.body).toMatchObject({ stream: false });
  });
});
