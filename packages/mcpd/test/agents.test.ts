import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  errorBodySchema,
  providerHelloReadSchema,
  providerHelloSchema,
  providerRegisterAnswerSchema,
  providerRegisterResponseSchema,
  threadViewSchema,
} from '@mcpctl/protocol';
import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@mcpctl/clock/manual';
import { agents as agentRows } from '@mcpctl/db';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';
import { eventually } from './support/eventually.js';

describe.each(testDatabaseVariants())('agents and threads on $name', (variant) => {
  let mcpd: TestServer;
  let upstream: FakeUpstream;
  let clock: ManualClock;

  beforeEach(async () => {
    upstream = await startFakeUpstream({ echo: true });
    clock = new ManualClock(Date.now());
    mcpd = await startTestServer({ database: await variant.open(), cacheMs: 0, clock });
    for (const name of ['alpha', 'beta']) {
      await mcpd.api('/api/v1/llms', { json: { name: `qwen-${name}`, type: 'openai', model: 'm', url: upstream.openaiBaseUrl, poolName: 'qwen' } });
    }
  });

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await upstream.close();
  });

  const createAgent = (body: Record<string, unknown>, token?: string) => mcpd.api('/api/v1/agents', { token, json: body });
  const chat = (name: string, body: Record<string, unknown>, token?: string) =>
    mcpd.api(`/api/v1/agents/${name}/chat`, { token, json: { messages: [{ role: 'user', content: 'Hello there' }], ...body } });
  const lastUpstreamBody = () => upstream.requests.at(-1)!.body as Record<string, unknown>;

  it('creates, reads, updates and deletes an agent, refusing a name an LLM answers to', async () => {
    const created = await createAgent({ name: 'helper', llm: 'qwen', systemPrompt: 'Be brief.', defaultParams: { temperature: 0.2 }, project: 'docs' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'helper', kind: 'public', llm: 'qwen', status: 'active', visibility: 'public', owner: 'admin', defaultParams: { temperature: 0.2 } });
    expect((await createAgent({ name: 'qwen-alpha', llm: 'qwen' })).status).toBe(409);
    const typo = await createAgent({ name: 'lost', llm: 'qwne' });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toEqual({ error: 'llm: qwne is neither an LLM nor a pool you can see' });
    const updated = await mcpd.api('/api/v1/agents/helper', { method: 'PUT', json: { description: 'short answers' } });
    expect(await updated.json()).toMatchObject({ description: 'short answers', systemPrompt: 'Be brief.' });
    expect((await mcpd.api('/api/v1/agents/helper', { method: 'HEAD' })).status).toBe(200);
    expect((await mcpd.api('/api/v1/agents/helper', { method: 'DELETE' })).status).toBe(204);
    expect((await mcpd.api('/api/v1/agents/helper')).status).toBe(404);
  });

  it('answers through its pool with the system prompt first and its default params under the request’s', async () => {
    await createAgent({ name: 'helper', llm: 'qwen', systemPrompt: 'You are terse.', defaultParams: { temperature: 0.2, max_tokens: 50 } });
    const response = await chat('helper', { max_tokens: 40 });
    expect(response.status).toBe(200);
    expect(['qwen-alpha', 'qwen-beta']).toContain(response.headers.get('x-mcpctl-served-by'));
    const answer = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(answer.choices[0]!.message.content).toMatch(/^system: You are terse\.\nuser: Hello there/);
    expect(lastUpstreamBody()).toMatchObject({ temperature: 0.2, max_tokens: 40 });
    expect(lastUpstreamBody().threadId).toBeUndefined();

    const viaOpenAi = await mcpd.api('/v1/chat/completions', { json: { model: 'helper', messages: [{ role: 'user', content: 'Hi' }] } });
    expect(viaOpenAi.status).toBe(200);
    expect(viaOpenAi.headers.get('x-mcpctl-thread-id')).toBeNull();
    const models = (await (await mcpd.api('/v1/models')).json()) as { data: Array<{ id: string; owned_by: string }> };
    expect(models.data.find((model) => model.id === 'helper')?.owned_by).toBe('agent');
    // The audit names the agent beside the LLM that served it, whichever face was used.
    const audited = (await (await mcpd.api('/api/v1/audit?agent=helper')).json()) as Array<{ agentName: string; llmName: string; endpoint: string; requestId: string }>;
    expect(audited.map(({ agentName, llmName, endpoint }) => [agentName, llmName, endpoint])).toEqual([
      ['helper', 'qwen', 'chat.completions'],
      ['helper', 'qwen', 'agent.chat'],
    ]);
    // Each record names the request its answer came with, through an agent as for an LLM.
    expect(audited.map((record) => record.requestId)).toEqual([viaOpenAi.headers.get('x-request-id'), response.headers.get('x-request-id')]);
    // The newer name of the same limit replaces the default's older one: OpenAI refuses both at once.
    expect((await chat('helper', { max_completion_tokens: 30 })).status).toBe(200);
    expect(lastUpstreamBody()).toMatchObject({ temperature: 0.2, max_completion_tokens: 30 });
    expect(lastUpstreamBody().max_tokens).toBeUndefined();
    // A null asks for the default, as OpenAI reads it: here the agent's, not the server's.
    expect((await chat('helper', { temperature: null, max_completion_tokens: null, top_p: null })).status).toBe(200);
    expect(lastUpstreamBody()).toMatchObject({ temperature: 0.2, max_tokens: 50, top_p: null });
    expect('max_completion_tokens' in lastUpstreamBody()).toBe(false);
  });

  it('serves an agent pinned to a pool member from any member of that pool', async () => {
    await createAgent({ name: 'pinned', llm: 'qwen-alpha' });
    const servedBy = async (token?: string) => {
      const response = await chat('pinned', {}, token);
      expect(response.status).toBe(200);
      await response.text();
      return response.headers.get('x-mcpctl-served-by');
    };
    const healthy = [await servedBy(), await servedBy(), await servedBy(), await servedBy()];
    expect(new Set(healthy)).toEqual(new Set(['qwen-alpha', 'qwen-beta']));

    // The pinned member's upstream goes away: the pool's other member answers.
    await mcpd.api('/api/v1/llms/qwen-alpha', { method: 'PUT', json: { url: 'http://127.0.0.1:9/v1' } });
    expect([await servedBy(), await servedBy(), await servedBy()]).toEqual(['qwen-beta', 'qwen-beta', 'qwen-beta']);
    const viaOpenAi = await mcpd.api('/v1/chat/completions', { json: { model: 'pinned', messages: [{ role: 'user', content: 'Hi' }] } });
    expect(viaOpenAi.status).toBe(200);
    expect(viaOpenAi.headers.get('x-mcpctl-served-by')).toBe('qwen-beta');
  });

  it('dispatches a pinned pool member’s pool only to members the caller may see', async () => {
    const { db } = mcpd.server.services.database;
    const alice = await addUser(db, 'alice', { admin: true });
    const bob = await addUser(db, 'bob');
    await mcpd.api('/api/v1/llms', {
      token: alice,
      json: { name: 'qwen-alices', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, poolName: 'qwen', visibility: 'private' },
    });
    await createAgent({ name: 'pinned', llm: 'qwen-beta' });
    const servedBy = async (token: string) => {
      const response = await chat('pinned', {}, token);
      expect(response.status).toBe(200);
      await response.text();
      return response.headers.get('x-mcpctl-served-by');
    };
    const forBob = new Set<string | null>();
    const forAlice = new Set<string | null>();
    for (let round = 0; round < 6; round += 1) forBob.add(await servedBy(bob));
    for (let round = 0; round < 6; round += 1) forAlice.add(await servedBy(alice));
    expect(forBob).toEqual(new Set(['qwen-alpha', 'qwen-beta']));
    expect(forAlice).toEqual(new Set(['qwen-alpha', 'qwen-beta', 'qwen-alices']));

    // Pinned to the private member itself: another user cannot learn its pool through the agent.
    await createAgent({ name: 'alices-agent', llm: 'qwen-alices' }, alice);
    const refused = await chat('alices-agent', {}, bob);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({
      error: "agent alices-agent is pointed at LLM qwen-alices, which is not an LLM you can see (deleted, or private); its owner can point it at another LLM or pool (llm in 'mcpctl apply')",
    });
  });

  it('keeps a conversation in a thread that only its user can read', async () => {
    await createAgent({ name: 'helper', llm: 'qwen-alpha', systemPrompt: 'Remember everything.' });
    const first = await chat('helper', { stream: true });
    const threadId = first.headers.get('x-mcpctl-thread-id') ?? '';
    expect(threadId).toMatch(/^thr_/);
    expect(await first.text()).toContain('[DONE]');
    // The answer ends only once its exchange is stored: a client that asks at once finds it.
    const stored = (await (await mcpd.api(`/api/v1/threads/${threadId}`)).json()) as { messages: unknown[] };
    expect(stored.messages).toHaveLength(2);
    clock.advance(1000);
    const second = await chat('helper', { threadId, messages: [{ role: 'user', content: 'And again?' }] });
    expect(second.headers.get('x-mcpctl-thread-id')).toBe(threadId);
    const echoed = ((await second.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    expect(echoed).toMatch(/system: Remember everything\.\nuser: Hello there\nassistant: system: Remember everything\.[\s\S]*user: And again\?/);

    const thread = (await (await mcpd.api(`/api/v1/threads/${threadId}`)).json()) as { agent: string; title: string; messages: Array<Record<string, unknown>> };
    expect(thread).toMatchObject({ agent: 'helper', title: 'Hello there' });
    expect(thread.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(thread.messages[1]).toMatchObject({ completionTokens: expect.any(Number), promptTokens: expect.any(Number) });
    expect(threadViewSchema.array().parse(await (await mcpd.api('/api/v1/threads')).json())[0]).toMatchObject({ id: threadId, messageCount: 4 });

    const bob = await addUser(mcpd.server.services.database.db, 'bob');
    expect((await mcpd.api(`/api/v1/threads/${threadId}`, { token: bob })).status).toBe(404);
    expect((await chat('helper', { threadId }, bob)).status).toBe(404);
    expect(await (await mcpd.api('/api/v1/threads', { token: bob })).json()).toEqual([]);
  });

  it('answers the turns of one thread sent together one after another, each on the history the one before stored', async () => {
    await createAgent({ name: 'helper', llm: 'qwen-alpha' });
    const threadId = (await chat('helper', {})).headers.get('x-mcpctl-thread-id') ?? '';
    const before = upstream.requests.length;
    const turns = await Promise.all(['first?', 'second?'].map((content) => chat('helper', { threadId, messages: [{ role: 'user', content }] })));
    for (const turn of turns) expect(turn.status).toBe(200);
    const asked = upstream.requests.slice(before).map((request) => (request.body as { messages: Array<{ content: string }> }).messages.map((message) => message.content));
    expect(asked).toHaveLength(2);
    // The later turn saw the earlier one's question in its history; the earlier did not see the later's.
    const [earlier, later] = asked as [string[], string[]];
    expect(later).toContain(earlier.at(-1));
    expect(earlier).not.toContain(later.at(-1));
    const thread = (await (await mcpd.api(`/api/v1/threads/${threadId}`)).json()) as { messages: Array<{ role: string; content: string }> };
    expect(thread.messages.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['Hello there', earlier.at(-1), later.at(-1)]);
  });

  it('keeps the tool calls of a thread: the call an answer made and the result a caller sent go back with the next turn', async () => {
    const received: Array<{ messages: Array<Record<string, unknown>> }> = [];
    const toolServer = createServer((request, response) => {
      let text = '';
      request.on('data', (piece: Buffer) => (text += piece.toString()));
      request.on('end', () => {
        const body = JSON.parse(text) as { messages: Array<Record<string, unknown>>; stream?: boolean; tools?: unknown[] };
        received.push(body);
        const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
        if (body.tools && body.messages.at(-1)?.role === 'user') {
          // Streamed: the call's id and name first, its arguments in two pieces.
          const deltas = [
            { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
            { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
            { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
          ];
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          const frames: unknown[] = deltas.map((delta) => ({ ...base, choices: [{ index: 0, delta, finish_reason: null }] }));
          frames.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
          response.end(`${frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`).join('')}data: [DONE]\n\n`);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: 'c2', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'It is 21 degrees.' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((resolve) => toolServer.listen(0, '127.0.0.1', resolve));
    try {
      await mcpd.api('/api/v1/llms', { json: { name: 'tooly', type: 'openai', model: 'm', url: `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}/v1` } });
      await createAgent({ name: 'weather', llm: 'tooly' });
      const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
      const first = await chat('weather', { stream: true, tools, messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
      const threadId = first.headers.get('x-mcpctl-thread-id') ?? '';
      expect(await first.text()).toContain('"finish_reason":"tool_calls"');
      const toolResult = { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' };
      expect((await chat('weather', { threadId, tools, messages: [toolResult] })).status).toBe(200);
      expect(received[1]!.messages.slice(-3)).toEqual([
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        toolResult,
      ]);
      // And on the turn after: the tool result still names its call.
      expect((await chat('weather', { threadId, messages: [{ role: 'user', content: 'Thanks' }] })).status).toBe(200);
      expect(received[2]!.messages.slice(-4, -1)).toEqual([
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        toolResult,
        { role: 'assistant', content: 'It is 21 degrees.' },
      ]);
    } finally {
      toolServer.closeAllConnections();
      await new Promise<void>((resolve) => toolServer.close(() => resolve()));
    }
  });

  it('goes on with a thread only with the agent it was started with, not another one or a new agent of its name', async () => {
    await createAgent({ name: 'helper', llm: 'qwen-alpha', systemPrompt: 'Remember everything.' });
    await createAgent({ name: 'other', llm: 'qwen-alpha', systemPrompt: 'Another voice.' });
    const first = await chat('helper', {});
    const threadId = first.headers.get('x-mcpctl-thread-id') ?? '';
    const before = upstream.requests.length;
    const elsewhere = await chat('other', { threadId });
    expect(elsewhere.status).toBe(409);
    expect(errorBodySchema.parse(await elsewhere.json()).error).toBe(
      `thread ${threadId} is a conversation with agent helper, not other: go on with helper, or leave threadId out to start a new thread`,
    );
    // The agent deleted, and its name taken by another user's agent: the conversation does not go to it.
    expect((await mcpd.api('/api/v1/agents/helper', { method: 'DELETE' })).status).toBe(204);
    const bob = await addUser(mcpd.server.services.database.db, 'bob');
    const published = await mcpd.api('/api/v1/llms/_provider-register', {
      token: bob,
      json: { providers: [{ name: 'bob-model', type: 'openai', model: 'm', visibility: 'public' }], agents: [{ name: 'helper', llmName: 'bob-model', visibility: 'public', systemPrompt: 'A stranger.' }] },
    });
    expect(published.status).toBe(201);
    const taken = await chat('helper', { threadId });
    expect(taken.status).toBe(409);
    expect(errorBodySchema.parse(await taken.json()).error).toMatch(/was started with an agent helper that has since been deleted; the agent of that name now is another user's/);
    expect(upstream.requests.length).toBe(before);
    // An empty threadId is no thread: said so, not taken as none.
    const empty = await chat('other', { threadId: '' });
    expect(empty.status).toBe(400);
    expect(errorBodySchema.parse(await empty.json()).error).toContain('threadId is empty: leave it out to start a new thread');
  });

  it('refuses a threadId sent to an LLM or a pool, which keep no thread, before anything reaches the model server', async () => {
    const before = upstream.requests.length;
    for (const [path, model] of [
      ['/v1/chat/completions', 'qwen-alpha'],
      ['/v1/chat/completions', 'qwen'],
      ['/api/v1/llms/qwen-alpha/infer', undefined],
    ] as const) {
      const refused = await mcpd.api(path, { json: { ...(model ? { model } : {}), threadId: 'thr_x', messages: [{ role: 'user', content: 'Hi' }] } });
      expect(refused.status).toBe(400);
      expect(errorBodySchema.parse(await refused.json()).error).toMatch(/^threadId continues a conversation with an agent, and qwen(-alpha)? is not an agent you may chat with: send the whole conversation in messages/);
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('keeps no thread from a chat whose answer failed, and keeps a thread a failed follow-up was sent to', async () => {
    await createAgent({ name: 'helper', llm: 'qwen-alpha' });
    // Every member of its pool fails: each chat tries both.
    upstream.setBehavior({ fail: { status: 500, message: 'out of memory' } });
    expect((await chat('helper', { stream: true })).status).toBe(502);
    expect((await chat('helper', {})).status).toBe(502);
    expect(await (await mcpd.api('/api/v1/threads')).json()).toEqual([]);

    upstream.setBehavior({ fail: undefined });
    const first = await chat('helper', {});
    expect(first.status).toBe(200);
    const threadId = first.headers.get('x-mcpctl-thread-id') ?? '';
    upstream.setBehavior({ fail: { status: 500, message: 'out of memory' } });
    expect((await chat('helper', { threadId })).status).toBe(502);
    expect(await (await mcpd.api('/api/v1/threads')).json()).toEqual([expect.objectContaining({ id: threadId, messageCount: 2 })]);
  });

  it('lets a user chat with an agent only with run:llms on its LLM too, and says so naming both', async () => {
    await createAgent({ name: 'tutor', llm: 'qwen-alpha', systemPrompt: 'Teach.' });
    const vera = await addUser(mcpd.server.services.database.db, 'vera');
    expect((await mcpd.api('/api/v1/users/vera', { method: 'PUT', json: { role: 'viewer' } })).status).toBe(200);
    const grant = (name: string, permission: string, resource: string) =>
      mcpd.api('/api/v1/rolebindings', { json: { name, subjectKind: 'user', subjectName: 'vera', permissions: [permission], resourceNames: [resource] } });
    expect((await grant('vera-tutor', 'run:agents', 'tutor')).status).toBe(201);
    const refused = await chat('tutor', {}, vera);
    expect(refused.status).toBe(403);
    expect(errorBodySchema.parse(await refused.json()).error).toBe(
      'agent tutor answers through LLM qwen-alpha, and running qwen-alpha needs the run:llms permission too (an agent carries no right to its LLM); ask an admin for a role binding that grants it',
    );
    expect((await grant('vera-qwen', 'run:llms', 'qwen-alpha')).status).toBe(201);
    expect((await chat('tutor', {}, vera)).status).toBe(200);
  });

  it("tells a member who may not delete or change another's agent which of the two was refused", async () => {
    await createAgent({ name: 'shared-helper', llm: 'qwen' });
    const bob = await addUser(mcpd.server.services.database.db, 'bob');
    const deleted = await mcpd.api('/api/v1/agents/shared-helper', { method: 'DELETE', token: bob });
    expect(deleted.status).toBe(403);
    expect(errorBodySchema.parse(await deleted.json()).error).toBe('only the owner of agent shared-helper or an admin may delete it');
    const changed = await mcpd.api('/api/v1/agents/shared-helper', { method: 'PUT', token: bob, json: { description: 'mine now' } });
    expect(changed.status).toBe(403);
    expect(errorBodySchema.parse(await changed.json()).error).toBe('only the owner of agent shared-helper or an admin may change it');
  });

  it('hides private agents from other users, and refuses agent defaults that are not valid parameters', async () => {
    await createAgent({ name: 'secret', llm: 'qwen', visibility: 'private' });
    const bob = await addUser(mcpd.server.services.database.db, 'bob');
    expect((await mcpd.api('/api/v1/agents/secret', { token: bob })).status).toBe(404);
    expect(await (await mcpd.api('/api/v1/agents', { token: bob })).json()).toEqual([]);
    const refused = await createAgent({ name: 'broken', llm: 'qwen', defaultParams: { temperature: 'warm' } });
    expect(refused.status).toBe(400);
    expect(errorBodySchema.parse(await refused.json()).error).toBe('invalid defaultParams of agent broken: temperature: must be a number, not a string');
    const both = await createAgent({ name: 'broken', llm: 'qwen', defaultParams: { max_tokens: 10, max_completion_tokens: 20 } });
    expect(both.status).toBe(400);
    expect(errorBodySchema.parse(await both.json()).error).toBe(
      'invalid defaultParams of agent broken: max_completion_tokens: means what max_tokens means, and OpenAI refuses a request with both; keep one',
    );
    const chosen = await createAgent({ name: 'broken', llm: 'qwen', defaultParams: { stream: true, model: 'qwen-alpha' } });
    expect(errorBodySchema.parse(await chosen.json()).error).toBe(
      "defaultParams of agent broken cannot set model, stream: a chat sets them itself (the agent's llm, the caller's messages and choice of streaming)",
    );
    await createAgent({ name: 'warm', llm: 'qwen', defaultParams: { temperature: 0.5 } });
    expect((await mcpd.api('/api/v1/agents/warm', { method: 'PUT', json: { defaultParams: { temperature: 5 } } })).status).toBe(400);
    // A row stored before the check still says why at each chat.
    await mcpd.server.services.database.db.update(agentRows).set({ defaultParams: { temperature: 'warm' } });
    const response = await chat('warm', {});
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error).toMatch(/temperature/);
  });

  it('sends nothing to a name its LLM left: deleted, then claimed by another user', async () => {
    await mcpd.api('/api/v1/llms', { json: { name: 'solo', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    await createAgent({ name: 'reviewer', llm: 'solo', systemPrompt: 'Review code.' });
    expect(await (await mcpd.api('/api/v1/agents/reviewer')).json()).toMatchObject({ llm: 'solo', llmState: 'pinned' });
    expect((await chat('reviewer', {})).status).toBe(200);
    // Made again by the same owner: still the agent's LLM.
    await mcpd.api('/api/v1/llms/solo', { method: 'DELETE' });
    const gone = await chat('reviewer', {});
    expect(gone.status).toBe(404);
    expect(errorBodySchema.parse(await gone.json()).error).toBe(
      "agent reviewer is pointed at LLM solo, which is not an LLM you can see (deleted, or private); its owner can point it at another LLM or pool (llm in 'mcpctl apply')",
    );
    await mcpd.api('/api/v1/llms', { json: { name: 'solo', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    expect((await chat('reviewer', {})).status).toBe(200);

    await mcpd.api('/api/v1/llms/solo', { method: 'DELETE' });
    const bob = await addUser(mcpd.server.services.database.db, 'bob');
    const claimed = await mcpd.api('/api/v1/llms/_provider-register', { token: bob, json: { providers: [{ name: 'solo', type: 'openai', model: 'm', visibility: 'public' }] } });
    expect(claimed.status).toBe(201);
    const seen = upstream.requests.length;
    const moved = await chat('reviewer', { messages: [{ role: 'user', content: 'my secret code' }] });
    expect(moved.status).toBe(409);
    expect(errorBodySchema.parse(await moved.json()).error).toBe(
      "agent reviewer was pointed at LLM solo, and another owner's LLM has taken that name since, so the agent sends nothing there; to point it at what the name means now, its owner deletes the agent and creates it again (mcpctl delete agent reviewer, then mcpctl apply)",
    );
    expect((await mcpd.api('/v1/chat/completions', { json: { model: 'reviewer', messages: [{ role: 'user', content: 'x' }] } })).status).toBe(409);
    expect(upstream.requests.length).toBe(seen);
    expect(await (await mcpd.api('/api/v1/agents')).json()).toEqual([expect.objectContaining({ name: 'reviewer', llmState: 'moved' })]);
    // The model list offers only what answers: the agent is left out until it is pointed anew.
    const listed = async () => ((await (await mcpd.api('/v1/models')).json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
    expect(await listed()).not.toContain('reviewer');
    const retrieved = await mcpd.api('/v1/models/reviewer');
    expect(retrieved.status).toBe(404);
    expect(errorBodySchema.parse(await retrieved.json()).error).toBe('model not found: agent reviewer cannot answer now, its LLM solo changed hands; mcpctl describe agent reviewer says what to do');
    // The same llm sent again (an applied document) does not take bob's LLM on; a new agent does.
    const resent = await mcpd.api('/api/v1/agents/reviewer', { method: 'PUT', json: { llm: 'solo', description: 'applied again' } });
    expect(await resent.json()).toMatchObject({ description: 'applied again', llmState: 'moved' });
    expect((await mcpd.api('/api/v1/agents/reviewer', { method: 'DELETE' })).status).toBe(204);
    expect(await (await createAgent({ name: 'reviewer', llm: 'solo' })).json()).toMatchObject({ llmState: 'pinned' });
    expect(await listed()).toContain('reviewer');
  });

  it('keeps a published agent on what its llmName meant across the registers of its reconnects', async () => {
    await mcpd.api('/api/v1/llms', { json: { name: 'shared', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    const alice = await addUser(mcpd.server.services.database.db, 'alice');
    const payload = { providers: [{ name: 'alice-desk', type: 'openai', model: 'm' }], agents: [{ name: 'helper', llmName: 'shared', systemPrompt: 'Help.' }] };
    const register = async (token: string, body: unknown) => mcpd.api('/api/v1/llms/_provider-register', { token, json: body });
    const first = await register(alice, payload);
    expect(first.status).toBe(201);
    const { providerSessionId } = providerRegisterResponseSchema.parse(await first.json());
    expect((await chat('helper', {}, alice)).status).toBe(200);
    await mcpd.api('/api/v1/llms/shared', { method: 'DELETE' });
    const bob = await addUser(mcpd.server.services.database.db, 'bob');
    expect((await register(bob, { providers: [{ name: 'shared', type: 'openai', model: 'm', visibility: 'public' }] })).status).toBe(201);
    // Alice's mcplocal reconnects and registers the same payload: the agent stays off bob's LLM.
    expect((await register(alice, { ...payload, providerSessionId })).status).toBe(201);
    const moved = await chat('helper', {}, alice);
    expect(moved.status).toBe(409);
    expect(errorBodySchema.parse(await moved.json()).error).toMatch(/^agent helper was pointed at LLM shared, and another owner's LLM has taken that name since/);

    const refused = await register(alice, { ...payload, providerSessionId, agents: [{ name: 'warm', llmName: 'alice-desk', defaultParams: { temperature: 'hot' } }] });
    expect(refused.status).toBe(400);
    expect(errorBodySchema.parse(await refused.json()).error).toBe('invalid defaultParams of agent warm: temperature: must be a number, not a string');
  });

  it('says when a pinned pool is gone, and keeps the pin from following its name to an LLM', async () => {
    await createAgent({ name: 'pooled', llm: 'qwen' });
    for (const name of ['qwen-alpha', 'qwen-beta']) await mcpd.api(`/api/v1/llms/${name}`, { method: 'DELETE' });
    // The pool's last member gone: the agent says so.
    const gone = await chat('pooled', {});
    expect(gone.status).toBe(404);
    expect(errorBodySchema.parse(await gone.json()).error).toBe(
      "agent pooled is pointed at pool qwen, which has no member you can see; its owner can point it at another LLM or pool (llm in 'mcpctl apply')",
    );
    expect(await (await mcpd.api('/api/v1/agents/pooled')).json()).toMatchObject({ llmState: 'gone' });
    await mcpd.api('/api/v1/llms', { json: { name: 'qwen', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
    const moved = await chat('pooled', {});
    expect(moved.status).toBe(409);
    expect(errorBodySchema.parse(await moved.json()).error).toMatch(/^agent pooled was pointed at pool qwen, and qwen now names an LLM, so the agent sends nothing there; /);
  });

  it('lets a published agent name a pool: one its own payload forms, or one the publisher can see', async () => {
    const alice = await addUser(mcpd.server.services.database.db, 'alice');
    await mcpd.api('/api/v1/llms', { json: { name: 'vault', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, poolName: 'vaults', visibility: 'private' } });
    const register = (body: Record<string, unknown>) => mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: body });
    const desks = [{ name: 'desk-a', type: 'openai', model: 'm', poolName: 'desks' }];

    const hidden = await register({ providers: desks, agents: [{ name: 'thief', llmName: 'vaults' }] });
    expect(hidden.status).toBe(400);
    expect(errorBodySchema.parse(await hidden.json()).error).toMatch(/llmName vaults is neither/);

    const registered = await register({
      providers: desks,
      agents: [
        { name: 'coder', llmName: 'desks' },
        { name: 'reviewer', llmName: 'qwen', systemPrompt: 'Review.' },
      ],
    });
    expect(registered.status).toBe(201);
    const { agents } = (await registered.json()) as { agents: Array<Record<string, unknown>> };
    expect(agents.map((agent) => [agent.name, agent.llm])).toEqual([['coder', 'desks'], ['reviewer', 'qwen']]);

    const answer = await chat('reviewer', {}, alice);
    expect(answer.status).toBe(200);
    expect(['qwen-alpha', 'qwen-beta']).toContain(answer.headers.get('x-mcpctl-served-by'));
  });

  it('publishes virtual agents with their session: they appear, go inactive with it, and are deleted with it', async () => {
    const alice = await addUser(mcpd.server.services.database.db, 'alice');
    const register = (body: Record<string, unknown>) => mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: body });
    const bad = await register({ providers: [{ name: 'desk', type: 'openai', model: 'm' }], agents: [{ name: 'coder', llmName: 'nowhere' }] });
    expect(bad.status).toBe(400);
    expect(errorBodySchema.parse(await bad.json()).error).toMatch(/llmName nowhere/);

    const registered = await register({
      providers: [{ name: 'desk', type: 'openai', model: 'm' }],
      agents: [{ name: 'coder', llmName: 'desk', systemPrompt: 'Write code.' }],
    });
    expect(registered.status).toBe(201);
    const answer: unknown = await registered.json();
    // The answer is what the protocol's schema says mcpd writes, and what mcplocal's lenient reading needs.
    const { providerSessionId, agents } = providerRegisterResponseSchema.parse(answer);
    expect(agents[0]).toMatchObject({ name: 'coder', kind: 'virtual', llm: 'desk', visibility: 'private', owner: 'alice', status: 'active' });
    expect(providerRegisterAnswerSchema.parse(answer).agents).toEqual([expect.objectContaining({ name: 'coder', status: 'active' })]);
    expect((await mcpd.api('/api/v1/agents/coder', { token: alice })).status).toBe(200);

    const stream = await ProviderStream.open(mcpd.url, alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    const hello = JSON.parse(stream.events[0]?.data ?? 'null') as unknown;
    expect(stream.events[0]?.event).toBe('hello');
    expect(providerHelloSchema.parse(hello)).toEqual({ providerSessionId });
    expect(providerHelloReadSchema.parse(hello).providerSessionId).toBe(providerSessionId);
    stream.close();
    await eventually(async () => ((await (await mcpd.api('/api/v1/agents/coder', { token: alice })).json()) as { status: string }).status === 'inactive');

    clock.advance(4 * 60 * 60 * 1000 + 1000);
    await mcpd.server.services.gc.runOnce();
    expect((await mcpd.api('/api/v1/agents/coder', { token: alice })).status).toBe(404);
  });
});
