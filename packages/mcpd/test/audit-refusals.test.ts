import { connect } from 'node:net';
import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

interface AuditRow {
  userName: string | null;
  llmName: string;
  agentName: string | null;
  endpoint: string;
  streaming: boolean;
  status: number;
  error: string | null;
  requestId: string | null;
}

const hello = [{ role: 'user', content: 'Hi' }];

describe('refusals before an inference', () => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;
  let alice: string;

  beforeEach(async () => {
    upstream = await startFakeUpstream();
    mcpd = await startTestServer({ database: await embedded!.open(), env: { MCPD_MAX_INFERENCE_PER_USER: '1', MCPD_BODY_TIMEOUT_SECONDS: '1' } });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'qwen', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } })).status).toBe(201);
  });

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  const audit = async (): Promise<AuditRow[]> => {
    await mcpd.server.services.auditWriter.flush();
    return (await (await mcpd.api('/api/v1/audit')).json()) as AuditRow[];
  };
  const metrics = async () => (await mcpd.api('/metrics')).text();

  it('are audited and counted like any answer: the per-user cap, a body that is not a request, an agent the caller cannot use', async () => {
    upstream.setBehavior({ mode: 'hang' });
    const holding = new AbortController();
    const held = mcpd.api('/api/v1/llms/qwen/infer', { token: alice, json: { messages: hello }, signal: holding.signal }).catch(() => undefined);
    await upstream.waitForRequests(1);
    const capped = await mcpd.api('/v1/chat/completions', { token: alice, json: { model: 'qwen', messages: hello, stream: true } });
    expect(capped.status).toBe(429);
    holding.abort();
    await held;
    upstream.setBehavior({ mode: 'normal' });

    const notARequest = await mcpd.api('/v1/chat/completions', { token: alice, json: { model: 'qwen', messages: 'Hi' } });
    expect(notARequest.status).toBe(400);
    const notJson = await mcpd.api('/v1/chat/completions', { method: 'POST', token: alice, body: '{"model":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const noAgent = await mcpd.api('/api/v1/agents/nobody/chat', { token: alice, json: { messages: hello } });
    expect(noAgent.status).toBe(404);

    const rows = (await audit()).filter((row) => row.status !== 499);
    expect(rows.map(({ userName, llmName, agentName, endpoint, streaming, status }) => ({ userName, llmName, agentName, endpoint, streaming, status }))).toEqual([
      { userName: 'alice', llmName: '-', agentName: 'nobody', endpoint: 'agent.chat', streaming: false, status: 404 },
      { userName: 'alice', llmName: '-', agentName: null, endpoint: 'chat.completions', streaming: false, status: 400 },
      { userName: 'alice', llmName: 'qwen', agentName: null, endpoint: 'chat.completions', streaming: false, status: 400 },
      // The cap refuses before the body is read: the name is the path's, or none.
      { userName: 'alice', llmName: '-', agentName: null, endpoint: 'chat.completions', streaming: false, status: 429 },
    ]);
    expect(rows.find((row) => row.status === 429)?.error).toBe('you already have 1 inference requests open; wait for some to finish');
    expect(rows.find((row) => row.status === 400 && row.llmName === 'qwen')?.error).toMatch(/messages/);
    // Each names the request its answer came with.
    expect(rows.find((row) => row.status === 429)?.requestId).toBe(capped.headers.get('x-request-id'));
    expect(rows.find((row) => row.agentName === 'nobody')?.requestId).toBe(noAgent.headers.get('x-request-id'));
    const text = await metrics();
    expect(text).toContain('mcpd_inference_requests_total{llm="qwen",status="400"} 1');
    expect(text).toContain('mcpd_inference_requests_total{llm="_unknown",status="429"} 1');
  });

  it('are recorded once: an inference that ran and failed has its own record, and a caller without a valid token none', async () => {
    expect((await mcpd.api('/api/v1/agents', { json: { name: 'helper', llm: 'qwen' } })).status).toBe(201);
    const unknown = await mcpd.api('/api/v1/llms/nothing-here/infer', { token: alice, json: { messages: hello } });
    expect(unknown.status).toBe(404);
    expect((await mcpd.api('/v1/chat/completions', { token: 'mcpctl_not-a-token', json: { model: 'qwen', messages: hello } })).status).toBe(401);
    upstream.setBehavior({ fail: { status: 500, message: 'out of memory' } });
    expect((await mcpd.api('/api/v1/llms/qwen/infer', { token: alice, json: { messages: hello } })).status).toBe(502);
    // Through an agent, on either face: the inference's own record, not a second one for the error.
    expect((await mcpd.api('/api/v1/agents/helper/chat', { token: alice, json: { messages: hello } })).status).toBe(502);
    expect((await mcpd.api('/v1/chat/completions', { token: alice, json: { model: 'helper', messages: hello } })).status).toBe(502);
    // An agent refused before its inference, on the OpenAI face: filed under the agent, as on its own route.
    expect((await mcpd.api('/v1/chat/completions', { token: alice, json: { model: 'helper', messages: hello, threadId: 'thr_none' } })).status).toBe(404);
    const rows = await audit();
    expect(rows.map(({ llmName, agentName, endpoint, status }) => ({ llmName, agentName, endpoint, status }))).toEqual([
      { llmName: '-', agentName: 'helper', endpoint: 'chat.completions', status: 404 },
      { llmName: 'qwen', agentName: 'helper', endpoint: 'chat.completions', status: 502 },
      { llmName: 'qwen', agentName: 'helper', endpoint: 'agent.chat', status: 502 },
      { llmName: 'qwen', agentName: null, endpoint: 'infer', status: 502 },
      { llmName: 'nothing-here', agentName: null, endpoint: 'infer', status: 404 },
    ]);
  });

  it('records a caller that left while sending its body as gone (499), and one whose body stalled as the 408 it got', async () => {
    const partial = (then: 'leave' | 'stall') =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(mcpd.url).port), '127.0.0.1');
        let answer = '';
        socket.on('data', (data: Buffer) => (answer += data.toString('utf8')));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
        socket.write(
          `POST /api/v1/llms/qwen/infer HTTP/1.1\r\nhost: mcpd\r\nauthorization: Bearer ${alice}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"messages":`,
          () => {
            if (then === 'leave') setTimeout(() => socket.destroy(), 50);
          },
        );
      });
    await partial('leave');
    await eventually(async () => (await audit()).length === 1);
    expect(await partial('stall')).toMatch(/^HTTP\/1\.1 408 /);
    await eventually(async () => (await audit()).length === 2);
    expect((await audit()).map(({ llmName, status, error }) => ({ llmName, status, error }))).toEqual([
      { llmName: 'qwen', status: 408, error: 'the request body stalled for 1 s; send it again' },
      { llmName: 'qwen', status: 499, error: 'the caller disconnected' },
    ]);
  });
});
