import type { ChatMessage } from '@mcpctl/protocol';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { collect } from './support/provider-conformance.js';
import { startScriptedServer, sseFrames, splitInHalves, type ScriptedServer } from './support/scripted-server.js';

const QUESTION: ChatMessage[] = [{ role: 'user', content: 'What is 2 + 2?' }];

/** A whole Messages answer that stopped for a tool call. */
function toolUseMessage(id: string, content: Array<Record<string, unknown>>, usage: Record<string, number>) {
  return { id, type: 'message', role: 'assistant', model: 'claude', content, stop_reason: 'tool_use', usage };
}

/** Frames as Anthropic writes them: the event name repeated in `event:`. */
function events(values: Array<Record<string, unknown>>): string[] {
  return sseFrames(values, (value) => String((value as { type: unknown }).type));
}

describe('Anthropic provider', () => {
  let upstream: FakeUpstream | undefined;
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await upstream?.close();
    await server?.close();
    upstream = server = undefined;
  });

  it('maps an OpenAI conversation to a Messages request', async () => {
    upstream = await startFakeUpstream({ apiKey: 'sk-ant-test' });
    const provider = new AnthropicProvider({ name: 'claude', url: upstream.url, model: 'claude-sonnet', apiKey: 'sk-ant-test' });
    await provider.complete({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Add 2 and 2.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '4' },
        { role: 'developer', content: 'Answer in words.' },
        { role: 'user', content: [{ type: 'text', text: 'And now?' }] },
      ],
      temperature: 1.5,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'add', parameters: { type: 'object' } } }],
      toolChoice: 'required',
      extra: { top_k: 5, presence_penalty: 1, user: 'alice' },
    });
    const request = upstream.requests.at(-1)!;
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe('sk-ant-test');
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.body).toEqual({
      top_k: 5,
      model: 'claude-sonnet',
      max_tokens: 4096,
      stream: false,
      system: 'Be brief.\n\nAnswer in words.',
      temperature: 1,
      stop_sequences: ['END'],
      metadata: { user_id: 'alice' },
      tools: [{ name: 'add', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Add 2 and 2.' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'add', input: { a: 2, b: 2 } }] },
        // The tool result and the next user message form one user turn, the result first.
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '4' },
            { type: 'text', text: 'And now?' },
          ],
        },
      ],
    });
  });

  it('streams thinking, text and tool calls, skipping block types it does not know', async () => {
    const frames = events([
      { type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 20, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two plus two.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'server_tool_use', id: 'srv_1', name: 'web_search' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Calling add.' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_2', name: 'add', input: {} } },
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"a":2,"b":2}' } },
      { type: 'content_block_stop', index: 3 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 15 } },
      { type: 'message_stop' },
    ]);
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: splitInHalves(frames) });
    const provider = new AnthropicProvider({ name: 'claude', url: server.url, model: 'claude' });
    const deltas = (await collect(provider.stream({ messages: QUESTION }))).map(({ at: _at, ...delta }) => delta);
    expect(deltas).toEqual([
      { type: 'reasoning', text: 'Two plus two.', field: 'reasoning_content' },
      { type: 'text', text: 'Calling add.' },
      { type: 'tool-call', index: 0, id: 'toolu_2', name: 'add', arguments: '' },
      { type: 'tool-call', index: 0, arguments: '{"a":2,"b":2}' },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 20, completionTokens: 15, totalTokens: 35 } },
    ]);
    expect(server.requests[0]!.body).toMatchObject({ stream: true, max_tokens: 4096 });
  });

  it('fails on an error event inside the stream with Anthropic\'s message', async () => {
    const frames = events([
      { type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 5 } } },
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]);
    server = await startScriptedServer({ contentType: 'text/event-stream', chunks: frames });
    const provider = new AnthropicProvider({ name: 'claude', url: server.url, model: 'claude' });
    const error = await collect(provider.stream({ messages: QUESTION })).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).serverMessage).toBe('Overloaded');
  });

  it('reads thinking and tool calls from a whole message', async () => {
    const message = toolUseMessage(
      'msg_2',
      [
        { type: 'thinking', thinking: 'Need a tool.', signature: 'sig' },
        { type: 'text', text: 'Let me add.' },
        { type: 'tool_use', id: 'toolu_3', name: 'add', input: { a: 2, b: 2 } },
      ],
      { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 8 },
    );
    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify(message)] });
    const provider = new AnthropicProvider({ name: 'claude', url: server.url, model: 'claude' });
    expect(await provider.complete({ messages: QUESTION })).toEqual({
      content: 'Let me add.',
      reasoning: 'Need a tool.',
      reasoningField: 'reasoning_content',
      toolCalls: [{ id: 'toolu_3', name: 'add', arguments: '{"a":2,"b":2}' }],
      usage: { promptTokens: 15, completionTokens: 8, totalTokens: 23 },
      finishReason: 'tool_calls',
    });
  });

  it('streams a whole message a server answered a stream with, tool calls and usage included, and says what came when it is not one', async () => {
    const message = toolUseMessage(
      'msg_4',
      [
        { type: 'text', text: 'Let me add.' },
        { type: 'tool_use', id: 'toolu_5', name: 'add', input: { a: 2, b: 2 } },
      ],
      { input_tokens: 10, output_tokens: 8 },
    );
    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify(message)] });
    const provider = new AnthropicProvider({ name: 'claude', url: server.url, model: 'claude' });
    const deltas = (await collect(provider.stream({ messages: QUESTION }))).map(({ at: _at, ...delta }) => delta);
    expect(deltas).toEqual([
      { type: 'text', text: 'Let me add.' },
      { type: 'tool-call', index: 0, id: 'toolu_5', name: 'add', arguments: '{"a":2,"b":2}' },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 10, completionTokens: 8, totalTokens: 18 } },
    ]);
    await server.close();

    server = await startScriptedServer({ contentType: 'application/json', chunks: [JSON.stringify({ error: { type: 'overloaded_error', message: 'Overloaded' } })] });
    const failing = new AnthropicProvider({ name: 'claude', url: server.url, model: 'claude' });
    await expect(collect(failing.stream({ messages: QUESTION }))).rejects.toMatchObject({
      status: 502,
      message: 'provider "claude" answered a streaming request with application/json that is not a chat completion: Overloaded',
    });
  });

  it('refuses content Anthropic cannot take with a 400, before calling the server', async () => {
    upstream = await startFakeUpstream();
    const provider = new AnthropicProvider({ name: 'claude', url: upstream.url, model: 'claude' });
    const error = await provider
      .complete({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA' } }] }] })
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });
});
