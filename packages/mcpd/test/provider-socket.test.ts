import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import OpenAI from 'openai';
import { ManualClock } from '@mcpctl/clock/manual';
import { encodeSocketChunks, PROVIDER_SOCKET_PATH, PROVIDER_SOCKET_PING_MS, providerRegisterResponseSchema } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { chatChunk, chatCompletion } from './support/chat-fixtures.js';
import { eventually } from './support/eventually.js';
import { ProviderSocket } from './support/provider-socket.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';
import { HEARTBEAT_WINDOW_MS } from '../src/services/provider-session-service.js';

const [embedded] = testDatabaseVariants();

const chunk = chatChunk;
const completion = chatCompletion('relayed over the socket');

/** The buffer a slow caller's task may fill in the backpressure scenario. */
const TASK_BUFFER_BYTES = 256 * 1024;

describe('the provider socket', () => {
  let mcpd: TestServer;
  let clock: ManualClock;
  let alice: string;
  let bob: string;
  const sockets: ProviderSocket[] = [];
  const streams: ProviderStream[] = [];

  const start = async (env: Record<string, string> = {}) => {
    clock = new ManualClock();
    mcpd = await startTestServer({
      database: await embedded!.open(),
      clock,
      cacheMs: 0,
      env: { MCPD_RELAY_TIMEOUT_SECONDS: '600', MCPD_RELAY_TASK_BUFFER_BYTES: String(TASK_BUFFER_BYTES), ...env },
    });
    const { db } = mcpd.server.services.database;
    alice = await addUser(db, 'alice');
    bob = await addUser(db, 'bob');
  };

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const stream of streams.splice(0)) stream.close();
    // No scenario may leave a task behind.
    await eventually(() => mcpd.server.services.tasks.size === 0);
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const register = async (token: string, name = 'local') => {
    const response = await mcpd.api('/api/v1/llms/_provider-register', { token, json: { providers: [{ name, type: 'openai', model: 'qwen3' }] } });
    expect(response.status).toBe(201);
    return providerRegisterResponseSchema.parse(await response.json());
  };
  const openSocket = async (token: string | null, sessionId: string, options: Parameters<typeof ProviderSocket.open>[3] = {}) => {
    const socket = await ProviderSocket.open(mcpd.url, token, sessionId, options);
    sockets.push(socket);
    return socket;
  };
  /** A session of alice's with its socket open and greeted. */
  const publish = async (options: Parameters<typeof ProviderSocket.open>[3] = {}) => {
    const { providerSessionId } = await register(alice);
    const socket = await openSocket(alice, providerSessionId, options);
    expect(socket.status).toBe(101);
    await socket.waitFor((open) => open.messages.length > 0);
    return { sessionId: providerSessionId, socket };
  };
  const nextTask = async (socket: ProviderSocket, kind = 'infer', count = 1) => {
    await socket.waitFor((open) => open.tasks(kind).length >= count);
    return socket.tasks(kind)[count - 1] as { taskId: string; llmName: string; streaming: boolean; request: Record<string, unknown> };
  };
  const infer = (body: Record<string, unknown> = {}) =>
    mcpd.api('/api/v1/llms/local/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }], ...body } });
  const llm = async (name = 'local') => (await (await mcpd.api(`/api/v1/llms/${name}`)).json()) as { status: string; lastHeartbeatAt: string | null; providerSession: unknown };
  const openAi = () => new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: alice, maxRetries: 0 });

  it('is advertised at registration, greets with hello, and shows as the session’s transport', async () => {
    await start();
    const { providerSessionId, providerSocketPath } = await register(alice);
    expect(providerSocketPath).toBe(PROVIDER_SOCKET_PATH);
    const socket = await openSocket(alice, providerSessionId);
    expect(socket.status).toBe(101);
    await socket.waitFor((open) => open.messages.length > 0);
    expect(socket.messages[0]).toEqual({ type: 'hello', providerSessionId, takesBinaryChunks: true });
    await eventually(async () => (await llm()).status === 'active');
    expect((await llm()).providerSession).toEqual({ ref: expect.stringMatching(/^[0-9a-f]{12}$/), connected: true, transport: 'websocket' });
  });

  it('refuses the upgrade exactly as the SSE stream route refuses the stream', async () => {
    await start();
    const { providerSessionId } = await register(alice);
    const cases: Array<[string | null, string]> = [
      [null, providerSessionId],
      ['mcpctl_not-a-real-token-0123456789', providerSessionId],
      [bob, providerSessionId],
      [alice, 'ps_does-not-exist'],
    ];
    for (const [token, sessionId] of cases) {
      const socket = await openSocket(token, sessionId);
      const stream = await fetch(`${mcpd.url}/api/v1/llms/_provider-stream`, {
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), accept: 'text/event-stream', 'x-mcpctl-provider-session': sessionId },
      });
      expect([socket.status, JSON.parse(socket.body)]).toEqual([stream.status, await stream.json()]);
    }
    expect(sockets.map((socket) => socket.status)).toEqual([401, 401, 404, 404]);
    expect(mcpd.server.services.hub.size).toBe(0);
  });

  it('counts sockets and SSE streams against one per-user cap, and frees the slot when a socket closes', async () => {
    await start({ MCPD_MAX_STREAMS_PER_USER: '1' });
    const { socket } = await publish();
    const other = await register(alice, 'other');
    const refused = await openSocket(alice, other.providerSessionId);
    const stream = await fetch(`${mcpd.url}/api/v1/llms/_provider-stream`, {
      headers: { authorization: `Bearer ${alice}`, accept: 'text/event-stream', 'x-mcpctl-provider-session': other.providerSessionId },
    });
    expect([refused.status, JSON.parse(refused.body)]).toEqual([429, await stream.json()]);
    expect(stream.status).toBe(429);
    socket.close();
    await eventually(() => mcpd.server.services.hub.size === 0);
    const admitted = await openSocket(alice, other.providerSessionId);
    expect(admitted.status).toBe(101);
  });

  it('answers a plain GET of the socket path with 426', async () => {
    await start();
    const { providerSessionId } = await register(alice);
    const response = await mcpd.api(PROVIDER_SOCKET_PATH, { token: alice, headers: { 'x-mcpctl-provider-session': providerSessionId } });
    expect(response.status).toBe(426);
    expect(((await response.json()) as { error: string }).error).toMatch(/WebSocket/);
  });

  it('relays a whole answer to the stock openai client', async () => {
    await start();
    const { socket } = await publish();
    const [answer, task] = await Promise.all([
      openAi().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2 }),
      (async () => {
        const task = await nextTask(socket);
        expect(task).toMatchObject({ kind: 'infer', llmName: 'local', streaming: false, request: { temperature: 0.2 } });
        socket.result(task.taskId, { status: 200, body: completion });
        return task;
      })(),
    ]);
    expect(answer.choices[0]?.message.content).toBe('relayed over the socket');
    expect(answer.usage?.total_tokens).toBe(5);
    // A late result for the finished task is not wanted.
    socket.result(task.taskId, { status: 200, body: completion });
    await socket.waitFor((open) => open.gone(task.taskId) !== undefined);
    expect(socket.gone(task.taskId)).toMatchObject({ reason: `unknown or finished task: ${task.taskId}` });
    expect(socket.closed).toBe(false);
  });

  it('streams an answer to the stock openai client, chunk by chunk', async () => {
    await start();
    const { socket } = await publish();
    const [stream, task] = await Promise.all([
      openAi().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      (async () => {
        const task = await nextTask(socket);
        expect(task.streaming).toBe(true);
        socket.result(task.taskId, { chunk: { data: chunk('one') } });
        return task;
      })(),
    ]);
    const iterator = stream[Symbol.asyncIterator]();
    expect(((await iterator.next()).value as OpenAI.ChatCompletionChunk).choices[0]?.delta.content).toBe('one');
    for (const piece of [' two', ' three']) socket.result(task.taskId, { chunk: { data: chunk(piece) } });
    socket.result(task.taskId, { chunk: { data: chunk(null, 'stop') } });
    socket.result(task.taskId, { chunk: { data: '[DONE]', done: true } });
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.choices[0]?.delta.content ?? '');
    expect(rest.join('')).toBe(' two three');
  });

  it('takes several results of a task in one `results` message, in order, and the stock client reads them', async () => {
    await start();
    const { socket } = await publish();
    const [stream, task] = await Promise.all([
      openAi().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      (async () => {
        const task = await nextTask(socket);
        socket.send({ type: 'results', taskId: task.taskId, results: [{ chunk: { data: chunk('one') } }, { chunk: { data: chunk(' two') } }] });
        return task;
      })(),
    ]);
    socket.send({
      type: 'results',
      taskId: task.taskId,
      results: [{ chunk: { data: chunk(' three') } }, { chunk: { data: chunk(null, 'stop') } }, { chunk: { data: '[DONE]', done: true } }],
    });
    const pieces: string[] = [];
    const finishes: Array<string | null | undefined> = [];
    for await (const part of stream) {
      pieces.push(part.choices[0]?.delta.content ?? '');
      finishes.push(part.choices[0]?.finish_reason);
    }
    expect(pieces.join('')).toBe('one two three');
    expect(finishes.at(-1)).toBe('stop');
    expect(socket.gone(task.taskId)).toBeUndefined();
  });

  it('takes a stream’s chunks as binary `chunks` messages, each line a chunk as the server wrote it, and the stock client reads them', async () => {
    await start();
    const { socket } = await publish();
    const chunks = (taskId: string, datas: string[], seq: number, done = false) =>
      encodeSocketChunks(
        taskId,
        datas.map((data, index) => ({ chunk: done && index === datas.length - 1 ? { data, done } : { data }, seq: seq + index })),
      )!;
    const [stream, task] = await Promise.all([
      openAi().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      (async () => {
        const task = await nextTask(socket);
        socket.sendBinary(chunks(task.taskId, [chunk('caf\u00e9'), chunk(' "two"')], 1));
        return task;
      })(),
    ]);
    // A carriage return is JSON's blank, and SSE's line end: the chunk is written anew on one line.
    socket.sendBinary(chunks(task.taskId, [chunk(' ünï 🙂').replace(',', ',\r'), chunk(null, 'stop'), '[DONE]'], 3, true));
    const pieces: string[] = [];
    for await (const part of stream) pieces.push(part.choices[0]?.delta.content ?? '');
    expect(pieces.join('')).toBe('café "two" ünï 🙂');
    expect(socket.gone(task.taskId)).toBeUndefined();
    expect(socket.closed).toBe(false);
  });

  it('answers gone to results for another user’s task or an unknown one, and keeps the socket', async () => {
    await start();
    const { socket } = await publish();
    const bobs = await register(bob, 'bobs');
    const bobSocket = await openSocket(bob, bobs.providerSessionId);
    const answer = infer();
    const task = await nextTask(socket);
    bobSocket.result(task.taskId, { status: 200, body: { ...completion, choices: [] } });
    await bobSocket.waitFor((open) => open.gone(task.taskId) !== undefined);
    socket.result('task_never-was', { error: 'x' });
    await socket.waitFor((open) => open.gone('task_never-was') !== undefined);
    socket.result(task.taskId, { status: 200, body: completion });
    expect(await (await answer).json()).toEqual(completion);
    expect([socket.closed, bobSocket.closed]).toEqual([false, false]);
  });

  it.each([
    [
      'on its own',
      (socket: ProviderSocket, taskId: string) => {
        socket.result(taskId, { chunk: { data: chunk('before') } });
        socket.result(taskId, { chunk: { data: 'this is not json' } });
        socket.result(taskId, { chunk: { data: chunk('after') } });
      },
    ],
    [
      'inside a `results` message, after the results before it reached the caller',
      (socket: ProviderSocket, taskId: string) => {
        socket.send({
          type: 'results',
          taskId,
          results: [{ chunk: { data: chunk('before') } }, { chunk: { data: 'this is not json' } }, { chunk: { data: chunk('after') } }],
        });
      },
    ],
    [
      'inside a binary `chunks` message, after the chunks before it reached the caller',
      (socket: ProviderSocket, taskId: string) => {
        socket.sendBinary(encodeSocketChunks(taskId, [{ chunk: { data: chunk('before') } }, { chunk: { data: 'this is not json' } }, { chunk: { data: chunk('after') } }])!);
      },
    ],
  ])('ends the caller’s stream with an error frame on a malformed chunk %s, and tells the publisher the task is gone', async (_case, send) => {
    await start();
    const { socket } = await publish();
    const answer = infer({ stream: true });
    const task = await nextTask(socket);
    send(socket, task.taskId);
    const text = await (await answer).text();
    expect(text).toContain('before');
    expect(text).not.toContain('after');
    expect(text).toMatch(/data: \{"error":\{"message":"the publisher of local/);
    expect(text).not.toContain('[DONE]');
    await socket.waitFor((open) => open.gone(task.taskId) !== undefined);
    expect(socket.gone(task.taskId)?.reason).toMatch(/the task is over/);
    expect(socket.closed).toBe(false);
  });

  it('ends a task whose result is not a result shape, where a post would change nothing, since the publisher hears gone', async () => {
    await start();
    const { socket } = await publish();
    const answer = infer();
    const task = await nextTask(socket);
    socket.result(task.taskId, { status: 'ok' });
    const response = await answer;
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(/malformed result/);
    await socket.waitFor((open) => open.gone(task.taskId) !== undefined);
    expect(socket.gone(task.taskId)?.reason).toMatch(/invalid task result/);
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['an unknown type', { type: 'hello' }],
    ['a result without a task id', { type: 'result', result: { error: 'x' } }],
    ['results that hold none', { type: 'results', taskId: 'task_x', results: [] }],
    ['more results than a message may hold', { type: 'results', taskId: 'task_x', results: Array.from({ length: 1025 }, () => ({ error: 'x' })) }],
    ['a heartbeat of the wrong shape', { type: 'heartbeat', hibernating: 'local' }],
    // Refused as a heartbeat post's body is: the database takes no NUL, and its error would fill the log.
    ['a heartbeat naming an LLM with a NUL character', { type: 'heartbeat', hibernating: ['lo\u0000cal'] }],
    ['a binary message that is not `chunks`', Buffer.from(JSON.stringify({ type: 'result', taskId: 'task_x', result: { error: 'x' } }))],
    ['binary `chunks` that are not UTF-8', Buffer.concat([Buffer.from('{"type":"chunks","taskId":"task_x"}\n{"a":"'), Buffer.from([0xff]), Buffer.from('"}')])],
  ])('closes with 4400 on a message that does not parse (%s), failing the session’s tasks', async (_case, message) => {
    await start();
    const { socket } = await publish();
    const answer = infer();
    await nextTask(socket);
    if (Buffer.isBuffer(message)) socket.sendBinary(message);
    else socket.send(message);
    expect(await socket.waitForClose()).toBe(4400);
    expect((await answer).status).toBe(503);
    await eventually(async () => (await llm()).status === 'inactive');
  });

  it('takes heartbeats: they keep the session from going silent', async () => {
    await start({ MCPD_HEARTBEAT_TIMEOUT_SECONDS: '15' });
    const { socket } = await publish();
    // A second publisher on SSE that sends no heartbeat, to show what silence does.
    const quiet = await register(alice, 'quiet');
    const stream = await ProviderStream.open(mcpd.url, alice, quiet.providerSessionId);
    streams.push(stream);
    await stream.waitFor((open) => open.events.length > 0);
    // Time moves in ping intervals, each answered before the next, so the socket stays alive.
    clock.advance(PROVIDER_SOCKET_PING_MS);
    await socket.sync();
    const before = (await llm()).lastHeartbeatAt;
    socket.send({ type: 'heartbeat' });
    // Beats are written a window at a time.
    await eventually(async () => {
      clock.advance(HEARTBEAT_WINDOW_MS);
      return (await llm()).lastHeartbeatAt !== before;
    });
    clock.advance(PROVIDER_SOCKET_PING_MS);
    await socket.sync();
    await mcpd.server.services.gc.runOnce();
    expect((await llm()).status).toBe('active');
    expect((await llm('quiet')).status).toBe('inactive');
    expect(socket.pings).toBe(2);
    expect(socket.closed).toBe(false);
  });

  it('marks the rows named in a heartbeat hibernating, and active again when it names them awake', async () => {
    await start();
    const { socket } = await publish();
    socket.send({ type: 'heartbeat', hibernating: ['local'] });
    await eventually(async () => (await llm()).status === 'hibernating');
    // And back, when the backend serves again without a wake from mcpd.
    socket.send({ type: 'heartbeat', awake: ['local'] });
    await eventually(async () => (await llm()).status === 'active');
  });

  it('terminates a socket that stops answering pings: its tasks fail with 503 and its rows go inactive', async () => {
    await start();
    const { socket } = await publish({ autoPong: false });
    const answer = infer();
    await nextTask(socket);
    clock.advance(PROVIDER_SOCKET_PING_MS);
    await socket.waitFor((open) => open.pings === 1);
    expect(socket.closed).toBe(false);
    clock.advance(PROVIDER_SOCKET_PING_MS);
    const response = await answer;
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('the publisher of local disconnected');
    await socket.waitForClose();
    await eventually(async () => (await llm()).status === 'inactive');
    expect((await llm()).providerSession).toMatchObject({ connected: false, transport: null });
  });

  it('is replaced by a newer socket or SSE stream of the same session (4000)', async () => {
    await start();
    const { sessionId, socket } = await publish();
    const newer = await openSocket(alice, sessionId);
    expect(await socket.waitForClose()).toBe(4000);
    await newer.waitFor((open) => open.messages.length > 0);
    const stream = await ProviderStream.open(mcpd.url, alice, sessionId);
    streams.push(stream);
    expect(await newer.waitForClose()).toBe(4000);
    await stream.waitFor((open) => open.events.length > 0);
    expect((await llm()).providerSession).toMatchObject({ connected: true, transport: 'sse' });
    // An SSE stream is replaced by a socket too.
    const newest = await openSocket(alice, sessionId);
    await stream.waitFor((open) => open.closed);
    await newest.waitFor((open) => open.messages.length > 0);
    expect((await llm()).status).toBe('active');
  });

  it('closes the socket when its token is revoked (4004), and when its user is deleted', async () => {
    await start();
    const { socket } = await publish();
    expect((await mcpd.api('/api/v1/tokens/test?user=alice', { method: 'DELETE' })).status).toBe(204);
    expect(await socket.waitForClose()).toBe(4004);
    // The publisher's log says why, before its next registration is refused.
    expect(socket.closeReason).toBe('the token it was opened with was revoked');
    await eventually(async () => (await llm()).status === 'inactive');

    const bobs = await register(bob, 'bobs');
    const bobSocket = await openSocket(bob, bobs.providerSessionId);
    await bobSocket.waitFor((open) => open.messages.length > 0);
    expect((await mcpd.api('/api/v1/users/bob', { method: 'DELETE' })).status).toBe(204);
    expect(await bobSocket.waitForClose()).toBe(4004);
    expect(bobSocket.closeReason).toBe('its user was deleted');
  });

  it('closes the socket of a token revoked where this replica did not hear of it, once it looks again (NATS lost, or back)', async () => {
    await start();
    const { socket } = await publish();
    // Removed behind the services' back, as another replica's revocation looks to one cut off from NATS.
    await mcpd.server.services.database.db.execute(sql`delete from tokens where name = 'test'`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.closed).toBe(false);
    mcpd.server.services.recheckAccess();
    expect(await socket.waitForClose()).toBe(4004);
    await eventually(async () => (await llm()).status === 'inactive');
  });

  it('closes sockets with 1001 on shutdown once the callers in flight have their answers', async () => {
    await start();
    const { socket, sessionId } = await publish();
    const answer = infer();
    const task = await nextTask(socket);
    const closing = mcpd.server.close();
    await eventually(() => mcpd.server.services.shutdown.draining);
    const refused = await openSocket(alice, sessionId);
    expect(refused.status).toBe(503);
    expect(socket.closed).toBe(false);
    socket.result(task.taskId, { status: 200, body: completion });
    expect((await answer).status).toBe(200);
    expect(await socket.waitForClose()).toBe(1001);
    await closing;
  });

  it('fails only the task whose caller does not read, while another task on the same socket completes', async () => {
    await start();
    const { socket } = await publish();
    // A caller that sends its request and never reads the answer.
    const slow = connect(Number(new URL(mcpd.url).port), '127.0.0.1');
    const body = JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    slow.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${alice}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    slow.pause();
    const slowTask = await nextTask(socket);
    const [stream, fastTask] = await Promise.all([
      openAi().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      (async () => {
        const task = await nextTask(socket, 'infer', 2);
        socket.result(task.taskId, { chunk: { data: chunk('fast') } });
        return task;
      })(),
    ]);
    const iterator = stream[Symbol.asyncIterator]();
    expect(((await iterator.next()).value as OpenAI.ChatCompletionChunk).choices[0]?.delta.content).toBe('fast');

    // The slow caller's socket fills, then its task's buffer, and the task fails; mcpd keeps reading.
    const big = chunk('x'.repeat(64 * 1024));
    let sent = 0;
    while (!socket.gone(slowTask.taskId)) {
      socket.result(slowTask.taskId, { chunk: { data: big } });
      sent += big.length;
      await socket.sync();
      expect(sent).toBeLessThan(256 * 1024 * 1024);
    }
    expect(socket.gone(slowTask.taskId)?.reason).toMatch(/read too slowly/);
    await socket.waitFor((open) => open.tasks('cancel').some((task) => task.taskId === slowTask.taskId));

    // The other task on the same socket was never held up.
    socket.result(fastTask.taskId, { chunk: { data: chunk(' and done', 'stop') } });
    socket.result(fastTask.taskId, { chunk: { data: '[DONE]', done: true } });
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.choices[0]?.delta.content ?? '');
    expect(rest.join('')).toBe(' and done');

    // What the slow caller finally reads (a chunked HTTP body) ends with the error frame.
    let received = '';
    slow.setEncoding('utf8');
    const ended = new Promise<void>((resolve) => {
      slow.on('data', (text: string) => {
        received += text;
        if (received.endsWith('\r\n0\r\n\r\n')) resolve();
      });
    });
    slow.resume();
    await ended;
    slow.destroy();
    expect(received).toMatch(/data: \{"error":\{"message":"the caller of local read its answer too slowly[^\n]*\n\n\r\n0\r\n\r\n$/);
    expect(received).not.toContain('[DONE]');
  });
});

describe('the provider socket switched off', () => {
  it('is neither advertised nor served: the upgrade gets 404, and SSE + POST still work', async () => {
    const clock = new ManualClock();
    const mcpd = await startTestServer({ database: await embedded!.open(), clock, cacheMs: 0, env: { MCPD_PROVIDER_SOCKET: 'off' } });
    try {
      const alice = await addUser(mcpd.server.services.database.db, 'alice');
      const registered = await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providers: [{ name: 'local', type: 'openai', model: 'q' }] } });
      const answer = (await registered.json()) as Record<string, unknown>;
      expect(answer).not.toHaveProperty('providerSocketPath');
      const socket = await ProviderSocket.open(mcpd.url, alice, answer.providerSessionId as string);
      // An ordinary GET of an LLM named `_provider-socket`, which does not exist.
      expect(socket.status).toBe(404);
      expect(mcpd.server.services.hub.size).toBe(0);
      const stream = await ProviderStream.open(mcpd.url, alice, answer.providerSessionId as string);
      await stream.waitFor((open) => open.events.length > 0);
      stream.close();
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
    }
  });
});
