import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

const hello = [{ role: 'user', content: 'Hi' }];

/*
 * A revocation ends what was granted with it: a call running with a token revoked, or by a user
 * deleted, ends at once, not when its model server is done (a leaked token's long generation).
 */
describe('access taken away while an answer runs', () => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;
  let alice: string;

  beforeEach(async () => {
    // 400 tokens at 50 a second: an answer of 8 s, far longer than each test waits.
    upstream = await startFakeUpstream({ tokenCount: 400, tokensPerSecond: 50 });
    mcpd = await startTestServer({ database: await embedded!.open() });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'qwen', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, visibility: 'public' } })).status).toBe(201);
  });

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  const audit = async () => {
    await mcpd.server.services.auditWriter.flush();
    return (await (await mcpd.api('/api/v1/audit?llm=qwen')).json()) as Array<{ userName: string | null; status: number; error: string | null }>;
  };

  /** Opens alice's stream (with her token, or `token`) and reads until its first chunk came; answers the rest of the body to read. */
  async function streamStarted(token = alice): Promise<{ rest: () => Promise<string>; startedAt: number }> {
    const response = await mcpd.api('/v1/chat/completions', { token, json: { model: 'qwen', messages: hello, stream: true } });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"content"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return {
      startedAt: Date.now(),
      rest: async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return text;
          text += decoder.decode(value, { stream: true });
        }
      },
    };
  }

  it("ends a stream whose token is revoked with an error frame that says so, and audits it as 401", async () => {
    const stream = await streamStarted();
    expect((await mcpd.api('/api/v1/tokens/test?user=alice', { method: 'DELETE' })).status).toBe(204);
    const body = await stream.rest();
    // Well before the 8 s the whole answer takes.
    expect(Date.now() - stream.startedAt).toBeLessThan(4_000);
    expect(body).toContain('the token this request came with was revoked while it was answered');
    expect(body).not.toContain('[DONE]');
    await eventually(async () => (await audit()).some((row) => row.userName === 'alice' && row.status === 401 && row.error === 'the token this request came with was revoked while it was answered'));
  });

  it('ends a stream whose token expires while it runs, as a revoked one, and audits it as 401', async () => {
    const created = await mcpd.api('/api/v1/tokens', { json: { name: 'brief', user: 'alice', expiresIn: '2s' } });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const stream = await streamStarted(token);
    const body = await stream.rest();
    // At the token's end, well before the 8 s the whole answer takes.
    expect(Date.now() - stream.startedAt).toBeLessThan(5_000);
    expect(body).toContain('the token this request came with expired while it was answered');
    expect(body).not.toContain('[DONE]');
    await eventually(async () => (await audit()).some((row) => row.status === 401 && row.error === 'the token this request came with expired while it was answered'));
  });

  it('ends the calls of a user deleted while they run, a whole answer not started yet with 401', async () => {
    const stream = await streamStarted();
    upstream.setBehavior({ mode: 'hang' });
    const whole = mcpd.api('/v1/chat/completions', { token: alice, json: { model: 'qwen', messages: hello } });
    await upstream.waitForRequests(2);
    expect((await mcpd.api('/api/v1/users/alice', { method: 'DELETE' })).status).toBe(204);
    const refused = await whole;
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('user alice was deleted while this request was answered');
    expect(await stream.rest()).toContain('user alice was deleted while this request was answered');
  });

  it("refuses a chat turn that waited behind its thread's other turn once the token was revoked, instead of answering it", async () => {
    expect((await mcpd.api('/api/v1/agents', { json: { name: 'helper', llm: 'qwen', visibility: 'public' } })).status).toBe(201);
    upstream.setBehavior({ tokenCount: 4 });
    const first = await mcpd.api('/api/v1/agents/helper/chat', { token: alice, json: { messages: hello } });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const threadId = first.headers.get('x-mcpctl-thread-id') ?? '';
    upstream.setBehavior({ mode: 'hang' });
    const running = mcpd.api('/api/v1/agents/helper/chat', { token: alice, json: { threadId, messages: hello } });
    await upstream.waitForRequests(2);
    // The second turn of the thread waits for the first.
    const waiting = mcpd.api('/api/v1/agents/helper/chat', { token: alice, json: { threadId, messages: hello } });
    expect((await mcpd.api('/api/v1/tokens/test?user=alice', { method: 'DELETE' })).status).toBe(204);
    upstream.setBehavior({ mode: 'normal' });
    expect((await running).status).toBe(401);
    const refused = await waiting;
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('the token this request came with was revoked while it was answered');
    expect(upstream.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(2);
  });
});
