import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import {
  makeTempDir,
  readChatStream,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SIX_TOKENS = ['Hello', ' from', ' the', ' work', 'station', '.'];

/*
 * Three real processes: mcpd, mcplocal, and a fake model server on the workstation; once over
 * each transport of the provider channel, so the fixed SSE + POST format stays served as well as
 * the provider socket mcplocal prefers.
 */
describe.each(['sse', 'websocket'] as const)('virtual LLMs end to end over %s', (transport) => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let mcpd: SpawnedMcpd;
  let mcplocal: SpawnedMcplocal | undefined;

  beforeEach(async () => {
    [dataDir, home, upstream] = await Promise.all([makeTempDir('e2e-mcpd-'), makeTempDir('e2e-home-'), startFakeUpstream({ tokens: SIX_TOKENS })]);
    mcpd = await spawnMcpd({ dataDir: dataDir.path });
    await writeMcplocalHome(
      home.path,
      { providers: [{ name: 'qwen-local', type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true }] },
      { mcpdUrl: mcpd.url, token: mcpd.adminToken },
    );
    mcplocal = await spawnMcplocal({ home: home.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: transport } });
  });

  afterEach(async () => {
    await mcplocal?.stop('SIGKILL');
    await mcpd.stop();
    await upstream.close();
    await Promise.all([dataDir.cleanup(), home.cleanup()]);
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${mcpd.url}${path}`, { ...init, headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json', ...Object.fromEntries(new Headers(init.headers)) } });
  const row = async () => (await (await api('/api/v1/llms/qwen-local')).json()) as Record<string, unknown>;
  // The caller's stream ends before mcpd has handled the closed connection: the row follows soon after, not in the same instant.
  const statusSoon = (status: string) => expect.poll(async () => (await row()).status, { timeout: 5_000 }).toBe(status);
  const client = () => new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.adminToken, maxRetries: 0 });

  it('publishes the provider as an active virtual LLM', async () => {
    expect(await row()).toMatchObject({
      name: 'qwen-local',
      kind: 'virtual',
      status: 'active',
      visibility: 'private',
      url: null,
      owner: 'admin',
      providerSession: { connected: true, transport },
    });
    const session = (await readFile(join(home.path, 'provider-session'), 'utf8')).trim();
    expect(session).toMatch(/^ps_/);
  });

  it('answers non-streaming and streaming requests through the stock openai client, first token before the upstream finished', async () => {
    const completion = await client().chat.completions.create({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]?.message.content).toBe(SIX_TOKENS.join(''));
    expect(completion.usage?.completion_tokens).toBe(6);

    const eight = ['one', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight'];
    upstream.setBehavior({ tokensPerSecond: 10, tokens: eight });
    const started = performance.now();
    const stream = await client().chat.completions.create({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const read = await readChatStream(stream, started);
    expect(read.text).toBe(eight.join(''));
    expect(read.finishReasons).toEqual(['stop']);
    // Eight tokens at 10/s take ~800 ms upstream; the first must reach the caller long before.
    expect(read.firstTokenMs!).toBeLessThan(read.totalMs - 400);
  });

  it("passes the local server's refusal of the request on with its status and Retry-After, so the client does not retry it", async () => {
    const chats = () => upstream.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
    // The client as people run it: its default retries are on for 5xx and 429, off for 400.
    const retrying = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.adminToken });
    upstream.setBehavior({ fail: { status: 400, message: "Invalid value for 'top_k': 7 (local path /home/alice/models at 10.0.0.5:8000)" } });
    upstream.resetStats();
    const refused = await retrying.chat.completions.create({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("the upstream of qwen-local rejected the request (HTTP 400): Invalid value for 'top_k': 7");
    // The workstation's address stays on the workstation.
    expect((refused as Error).message).not.toContain('10.0.0.5');
    expect(chats()).toBe(1);

    upstream.setBehavior({ fail: { status: 429, message: 'slow down', retryAfter: '7' } });
    const limited = await client().chat.completions.create({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }], stream: true }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    // An HTTP date, or OpenAI's and Azure's milliseconds, reach the caller as the seconds they mean.
    upstream.setBehavior({ fail: { status: 429, message: 'slow down', retryAfter: new Date(Date.now() + 9_000).toUTCString() } });
    const dated = await client().chat.completions.create({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }] }).catch((error: unknown) => error);
    expect(Number((dated as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after'))).toBeGreaterThanOrEqual(8);
    upstream.setBehavior({ fail: { status: 429, message: 'slow down', retryAfterMs: '2500' } });
    const precise = await client().chat.completions.create({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }] }).catch((error: unknown) => error);
    expect((precise as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');
  });

  it('cancels the upstream request when the caller aborts', async () => {
    upstream.setBehavior({ tokensPerSecond: 5, tokens: undefined, tokenCount: 50 });
    const controller = new AbortController();
    const stream = await client().chat.completions.create(
      { model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }], stream: true },
      { signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    controller.abort();
    await upstream.waitForCancelled(1, 5000);
    expect(upstream.cancelled).toBe(1);
  });

  /**
   * A slow relayed stream read until its first words, then mcplocal stopped with `signal`: the
   * rest of what the caller read, and how long after the signal the stream ended.
   */
  async function stopMidStream(signal: NodeJS.Signals): Promise<{ text: string; endedMs: number }> {
    upstream.setBehavior({ tokensPerSecond: 5, tokens: undefined, tokenCount: 50 });
    const response = await api('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"content":"')) text += decoder.decode((await reader.read()).value, { stream: true });
    const stoppedAt = performance.now();
    await mcplocal!.stop(signal);
    mcplocal = undefined;
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value, { stream: true });
    return { text, endedMs: performance.now() - stoppedAt };
  }

  it('ends the stream with an explicit error within 1 s when mcplocal is killed, and the row goes inactive', async () => {
    const { text, endedMs } = await stopMidStream('SIGKILL');
    expect(endedMs).toBeLessThan(1000);
    expect(text).toMatch(/"error":\{"message":"the publisher of qwen-local disconnected"/);
    expect(text).not.toContain('[DONE]');
    await statusSoon('inactive');
  });

  it('tells the caller of a stream under way that mcplocal is stopping when it gets SIGTERM', async () => {
    const { text } = await stopMidStream('SIGTERM');
    expect(text).toMatch(/"error":\{"message":"the publisher of qwen-local failed: mcplocal is stopping"/);
    expect(text).not.toContain('[DONE]');
    await statusSoon('inactive');
  });

  it('comes back by itself with the same rows when mcpd restarts', async () => {
    const before = await row();
    await mcpd.stop();
    mcpd = await spawnMcpd({ dataDir: dataDir.path, port: mcpd.port, adminToken: mcpd.adminToken });
    const deadline = Date.now() + 20_000;
    let after = await row();
    while (after.status !== 'active' || (await api('/api/v1/llms/qwen-local/infer', { method: 'POST', body: '{"messages":[{"role":"user","content":"x"}]}' })).status !== 200) {
      if (Date.now() > deadline) throw new Error(`mcplocal did not come back: ${JSON.stringify(after)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await row();
    }
    expect(after.id).toBe(before.id);
  });
});
