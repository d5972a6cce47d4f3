import type { DatabaseHandle } from '@mcpctl/db';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@mcpctl/clock/manual';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const completion = {
  id: 'chatcmpl-back',
  object: 'chat.completion',
  created: 1,
  model: 'local',
  choices: [{ index: 0, message: { role: 'assistant', content: 'back again' }, finish_reason: 'stop' }],
};

/*
 * SPEC §12 §3 after a restart: a row reads `active` only while its publisher's stream is open on
 * a live process, and for a grace after the start a request for a row of a recently connected
 * session waits for its publisher instead of failing. The "restart" is a second mcpd process
 * started over the same database while the first one's streams are still open (as after a
 * crash: nothing marked those rows inactive).
 */
describe.each(testDatabaseVariants())('status and reconnect grace after a restart on $name', (variant) => {
  let database: DatabaseHandle;
  let clock: ManualClock;
  let before: TestServer;
  let after: TestServer | undefined;
  let alice: string;
  let sessionId: string;
  const streams: ProviderStream[] = [];

  beforeEach(async () => {
    clock = new ManualClock();
    database = await variant.open();
    before = await startTestServer({ database, clock, cacheMs: 0 });
    alice = await addUser(database.db, 'alice');
    const registered = await before.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'local', type: 'openai', model: 'qwen3', poolName: 'qwen' }], agents: [{ name: 'helper', llmName: 'local' }] },
    });
    sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
    const stream = await open(before);
    expect(stream.closed).toBe(false);
    // The first process has finished taking the stream (its rows revived) before the "crash".
    await before.server.services.providerSessions.settled();
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await after?.close();
    after = undefined;
    await before.close();
    await database.close();
  });

  const open = async (server: TestServer) => {
    const stream = await ProviderStream.open(server.url, alice, sessionId);
    streams.push(stream);
    await stream.waitFor((s) => s.events.length > 0);
    return stream;
  };
  const restart = async (env: Record<string, string> = {}) => {
    // `before` stands for a process killed: the database would have let go of its lone-process lock.
    after = await startTestServer({ database, clock, cacheMs: 0, env, loneProcessLock: false });
    return after;
  };
  const infer = (server: TestServer) =>
    server.api('/api/v1/llms/local/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }] } });
  /** A request is held once it has armed the deadline of its wait (the only timer it arms). */
  const held = async (send: () => Promise<Response>): Promise<{ answer: Promise<Response> }> => {
    const timersBefore = clock.pendingTimers;
    const answer = send();
    await eventually(() => clock.pendingTimers > timersBefore);
    return { answer };
  };
  const view = async (server: TestServer, path: string) => (await (await server.api(path)).json()) as Record<string, unknown>;

  it('reads inactive at once after the start, and pools no longer count the row healthy', async () => {
    expect(await view(before, '/api/v1/llms/local')).toMatchObject({ status: 'active' });
    const server = await restart();
    expect(await view(server, '/api/v1/llms/local')).toMatchObject({ status: 'inactive', inactiveSince: clock.now().toISOString() });
    expect(await view(server, '/api/v1/pools/qwen')).toMatchObject({ active: 0, inactive: 1 });
  });

  it('holds a request within the grace until the publisher reconnects, then serves it', async () => {
    const server = await restart();
    clock.advance(10_000);
    const { answer } = await held(() => infer(server));
    const back = await open(server);
    await back.waitFor((s) => s.tasks().some((task) => task.kind === 'infer'));
    const task = back.tasks().find((candidate) => candidate.kind === 'infer') as { taskId: string };
    expect((await server.api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: alice, json: { status: 200, body: completion } })).status).toBe(200);
    const response = await answer;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(completion);
    expect(await view(server, '/api/v1/llms/local')).toMatchObject({ status: 'active' });
  });

  it('holds a chat with a virtual agent of an expected session the same way', async () => {
    const server = await restart();
    expect(await view(server, '/api/v1/agents/helper')).toMatchObject({ status: 'inactive' });
    const { answer } = await held(() => server.api('/api/v1/agents/helper/chat', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }] } }));
    const back = await open(server);
    await back.waitFor((s) => s.tasks().some((task) => task.kind === 'infer'));
    const task = back.tasks().find((candidate) => candidate.kind === 'infer') as { taskId: string };
    await server.api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: alice, json: { status: 200, body: completion } });
    expect((await answer).status).toBe(200);
  });

  it('answers 503 at once after the grace', async () => {
    const server = await restart();
    clock.advance(15_001);
    // The clock stands still from here: an answer that waited on any timer would never come.
    const response = await infer(server);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'the publisher of local is offline' });
  });

  it('answers 503 when the grace runs out before the publisher is back', async () => {
    const server = await restart({ MCPD_RECONNECT_GRACE_SECONDS: '0.5' });
    const { answer } = await held(() => infer(server));
    clock.advance(500);
    const response = await answer;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'the publisher of local is offline' });
  });

  it('does not wait for a session that was silent long before the start', async () => {
    clock.advance(91_000);
    const server = await restart();
    const response = await infer(server);
    expect(response.status).toBe(503);
  });
});
