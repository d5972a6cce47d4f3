import OpenAI from 'openai';
import {
  SCRIPTED_CHUNKS,
  sseBody,
  startScriptedStreamUpstream,
  makeTempDir,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type ScriptedStreamUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const TOKENS = ['The', ' answer', ' is', ' four', '.'];
/**
 * Chunks whose envelope is not OpenAI's whole one: Azure's first chunk (its prompt filter
 * results, with an empty `object` and `id`), then Gemini's compatible API (no `created`), and a
 * usage without `total_tokens`.
 */
const PARTIAL_ENVELOPE_CHUNKS = [
  '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}',
  '{"id":"gem-1","object":"chat.completion.chunk","model":"gemini","choices":[{"index":0,"delta":{"role":"assistant","content":"Four"},"finish_reason":null}]}',
  '{"id":"gem-1","object":"chat.completion.chunk","model":"gemini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  '{"id":"gem-1","object":"chat.completion.chunk","model":"gemini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}',
];
const THINKING = 'Two and two make four.';
const KEEPALIVE_SECONDS = 0.5;

/**
 * Three real processes and both paths to a model: `remote` is a public LLM mcpd calls itself,
 * `workstation` the same fake model server published by a real mcplocal. Whatever the model
 * server sends reaches the caller the same way on both.
 */
describe('answers reach the caller as the model server sent them, on the public and the relayed path', () => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let scripted: ScriptedStreamUpstream;
  let partial: ScriptedStreamUpstream;
  let mcpd: SpawnedMcpd;
  let mcplocal: SpawnedMcplocal;

  beforeAll(async () => {
    [dataDir, home, upstream, scripted, partial] = await Promise.all([
      makeTempDir('e2e-mcpd-'),
      makeTempDir('e2e-home-'),
      startFakeUpstream({ tokens: TOKENS }),
      startScriptedStreamUpstream(),
      startScriptedStreamUpstream(PARTIAL_ENVELOPE_CHUNKS),
    ]);
    mcpd = await spawnMcpd({ dataDir: dataDir.path, env: { MCPD_STREAM_KEEPALIVE_SECONDS: String(KEEPALIVE_SECONDS) } });
    await writeMcplocalHome(
      home.path,
      {
        providers: [
          { name: 'workstation', type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true },
          { name: 'workstation-scripted', type: 'openai', url: scripted.openaiBaseUrl, model: 'scripted/model:Q4', publish: true },
          { name: 'workstation-partial', type: 'openai', url: partial.openaiBaseUrl, model: 'scripted/model:Q4', publish: true },
        ],
      },
      { mcpdUrl: mcpd.url, token: mcpd.adminToken },
    );
    mcplocal = await spawnMcplocal({ home: home.path });
    const created = await api('/api/v1/llms', { method: 'POST', body: JSON.stringify({ name: 'remote', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl }) });
    expect(created.status).toBe(201);
    const scriptedRemote = { name: 'remote-scripted', type: 'openai', model: 'scripted/model:Q4', url: scripted.openaiBaseUrl };
    expect((await api('/api/v1/llms', { method: 'POST', body: JSON.stringify(scriptedRemote) })).status).toBe(201);
    const partialRemote = { ...scriptedRemote, name: 'remote-partial', url: partial.openaiBaseUrl };
    expect((await api('/api/v1/llms', { method: 'POST', body: JSON.stringify(partialRemote) })).status).toBe(201);
  });

  afterAll(async () => {
    await mcplocal?.stop('SIGKILL');
    await mcpd?.stop();
    await upstream?.close();
    await scripted?.close();
    await partial?.close();
    await Promise.all([dataDir?.cleanup(), home?.cleanup()]);
  });

  beforeEach(() => {
    upstream.setBehavior({ tokens: TOKENS, latencyMs: 0, reasoning: undefined, logprobs: false });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${mcpd.url}${path}`, { ...init, headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json', ...Object.fromEntries(new Headers(init.headers)) } });
  const client = () => new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.adminToken, maxRetries: 0 });
  const chat = (model: string, extra: Record<string, unknown> = {}) =>
    api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'What is two and two?' }], ...extra }) });
  /** Every `data:` frame of an SSE body but `[DONE]`, parsed. */
  const dataFrames = (text: string) =>
    text
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
      .map((frame) => JSON.parse(frame.slice('data: '.length)) as { choices: Array<Record<string, unknown> & { delta: Record<string, string | undefined> }> });

  describe.each(['remote', 'workstation'])('%s', (model) => {
    it('keeps `reasoning`, `reasoning_content` and `logprobs` of a whole answer', async () => {
      upstream.setBehavior({ reasoning: { text: THINKING, fields: ['reasoning', 'reasoning_content'] }, logprobs: true });
      const raw = (await (await chat(model)).json()) as { choices: Array<{ message: Record<string, unknown>; logprobs: { content: Array<{ token: string }> } }> };
      expect(raw.choices[0]!.message).toEqual({ role: 'assistant', content: TOKENS.join(''), reasoning: THINKING, reasoning_content: THINKING });
      expect(raw.choices[0]!.logprobs.content.map((entry) => entry.token)).toEqual(TOKENS);
      expect(raw.choices[0]!.logprobs.content[0]).toEqual({ token: 'The', logprob: -0.25, bytes: [84, 104, 101], top_logprobs: [] });

      const completion = await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'What is two and two?' }] });
      expect(completion.choices[0]!.logprobs?.content?.map((entry) => entry.token)).toEqual(TOKENS);
      expect((completion.choices[0]!.message as unknown as Record<string, unknown>).reasoning).toBe(THINKING);
    });

    it('keeps `reasoning` alone as `reasoning`', async () => {
      upstream.setBehavior({ reasoning: { text: THINKING, fields: ['reasoning'] } });
      const raw = (await (await chat(model)).json()) as { choices: Array<{ message: Record<string, unknown> }> };
      expect(raw.choices[0]!.message).toEqual({ role: 'assistant', content: TOKENS.join(''), reasoning: THINKING });
    });

    it('keeps them in a streamed answer', async () => {
      upstream.setBehavior({ reasoning: { text: THINKING, fields: ['reasoning', 'reasoning_content'] }, logprobs: true });
      const frames = dataFrames(await (await chat(model, { stream: true })).text());
      const field = (name: string) => frames.map((frame) => frame.choices[0]?.delta[name] ?? '').join('');
      expect(field('reasoning')).toBe(THINKING);
      expect(field('reasoning_content')).toBe(THINKING);
      expect(field('content')).toBe(TOKENS.join(''));
      const tokens = frames.flatMap((frame) => (frame.choices[0]?.logprobs as { content: Array<{ token: string }> } | null | undefined)?.content ?? []);
      expect(tokens.map((entry) => entry.token)).toEqual(TOKENS);
      expect(frames.filter((frame) => frame.choices[0]?.finish_reason === 'stop')).toHaveLength(1);

      const stream = await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true });
      const seen: string[] = [];
      for await (const chunk of stream) for (const entry of chunk.choices[0]?.logprobs?.content ?? []) seen.push(entry.token);
      expect(seen).toEqual(TOKENS);
    });

    it('comments while the first token is late, and the stock client still reads the answer', async () => {
      upstream.setBehavior({ latencyMs: 1800 });
      const text = await (await chat(model, { stream: true })).text();
      const beforeData = text.slice(0, text.indexOf('data: '));
      // 1.8 s of silence at a 0.5 s interval: at least two comments on a loaded machine.
      expect(beforeData.split(': waiting\n\n').length - 1).toBeGreaterThanOrEqual(2);
      // The head went out with the first comment, before the answer had a server: it is named in one.
      expect(beforeData.replaceAll(': waiting\n\n', '')).toBe(`: x-mcpctl-served-by: ${model}\n\n`);
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);

      const stream = await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true });
      let content = '';
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      expect(content).toBe(TOKENS.join(''));
    });

    it('passes a 20 MiB answer whole', async () => {
      const size = 20 * 1024 * 1024;
      upstream.setBehavior({ tokens: ['x'.repeat(size)] });
      const response = await chat(model);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0]!.message.content.length).toBe(size);
    });
  });

  describe.each(['remote-scripted', 'workstation-scripted'])('%s', (model) => {
    it('hands every chunk to the caller byte for byte, as the model server wrote it', async () => {
      const text = await (await chat(model, { stream: true, stream_options: { include_usage: true } })).text();
      expect(text.replaceAll(': waiting\n\n', '')).toBe(sseBody(SCRIPTED_CHUNKS));
    });

    it('leaves out only the usage chunk the caller did not ask for', async () => {
      const text = await (await chat(model, { stream: true })).text();
      expect(text.replaceAll(': waiting\n\n', '')).toBe(sseBody(SCRIPTED_CHUNKS.slice(0, -1)));
    });
  });

  it('passes chunks whose envelope the server left incomplete on the public path as written', async () => {
    const text = await (await chat('remote-partial', { stream: true, stream_options: { include_usage: true } })).text();
    expect(text.replaceAll(': waiting\n\n', '')).toBe(sseBody(PARTIAL_ENVELOPE_CHUNKS));
    // A usage the caller did not ask for, without its total, ends nothing.
    expect((await (await chat('remote-partial', { stream: true })).text()).replaceAll(': waiting\n\n', '')).toBe(sseBody(PARTIAL_ENVELOPE_CHUNKS.slice(0, -1)));
  });

  it('relays them with the envelope completed, every other field as the server wrote it', async () => {
    const text = (await (await chat('workstation-partial', { stream: true, stream_options: { include_usage: true } })).text()).replaceAll(': waiting\n\n', '');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const frames = dataFrames(text) as unknown as Array<Record<string, unknown>>;
    expect(frames).toHaveLength(PARTIAL_ENVELOPE_CHUNKS.length);
    for (const frame of frames) {
      expect(frame).toMatchObject({ object: 'chat.completion.chunk', id: expect.any(String), created: expect.any(Number), model: expect.any(String) });
    }
    const [filter, content, finish, usage] = frames;
    expect(filter).toMatchObject({ id: '', created: 0, prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] });
    expect(content).toMatchObject({ id: 'gem-1', model: 'gemini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Four' } }] });
    expect(finish).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    expect(usage).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 1 } });
    // The stock client reads it as any stream.
    const stream = await client().chat.completions.create({ model: 'workstation-partial', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let said = '';
    for await (const chunk of stream) said += chunk.choices[0]?.delta.content ?? '';
    expect(said).toBe('Four');
  });
});
