import OpenAI from 'openai';
import { ManualClock } from '@mcpctl/clock/manual';
import { errorBodySchema } from '@mcpctl/protocol';
import { SCRIPTED_CHUNKS, sseBody, testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chatChunk, chatCompletion } from './support/chat-fixtures.js';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

const chunk = chatChunk;
const completion = chatCompletion('relayed answer');

/** How long a relayed task waits for its publisher's first result, on the manual clock. */
const RELAY_TIMEOUT_SECONDS = 60;

describe('relay of virtual LLMs over the control stream', () => {
  let mcpd: TestServer;
  let clock: ManualClock;
  let alice: string;
  let bob: string;
  let sessionId: string;
  let publisher: ProviderStream;

  beforeEach(async () => {
    clock = new ManualClock();
    mcpd = await startTestServer({ database: await embedded!.open(), clock, cacheMs: 0, env: { MCPD_RELAY_TIMEOUT_SECONDS: String(RELAY_TIMEOUT_SECONDS) } });
    const { db } = mcpd.server.services.database;
    alice = await addUser(db, 'alice');
    bob = await addUser(db, 'bob');
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'local', type: 'openai', model: 'qwen3' }] },
    });
    sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
    publisher = await ProviderStream.open(mcpd.url, alice, sessionId);
    await publisher.waitFor((stream) => stream.events.length > 0);
  });

  afterEach(async () => {
    publisher.close();
    // No scenario may leave a task or a listener behind.
    expect(mcpd.server.services.tasks.size).toBe(0);
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const post = (taskId: string, body: unknown, token = alice) =>
    mcpd.api(`/api/v1/llms/_provider-task/${taskId}/result`, { token, json: body });
  const nextTask = async (kind = 'infer') => {
    await publisher.waitFor((stream) => stream.tasks().some((task) => task.kind === kind));
    return publisher.tasks().filter((task) => task.kind === kind).at(-1) as { taskId: string; llmName: string; request: Record<string, unknown>; streaming: boolean };
  };
  const infer = (body: Record<string, unknown>, init: RequestInit = {}) =>
    mcpd.api('/api/v1/llms/local/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }], ...body }, ...init });

  it('sends an infer task and answers the caller with the whole result', async () => {
    const answer = infer({ temperature: 0.2 });
    const task = await nextTask();
    expect(task).toMatchObject({ kind: 'infer', llmName: 'local', streaming: false });
    expect(task.taskId).toMatch(/^task_[A-Za-z0-9_-]{22,}$/);
    expect(task.request).toEqual({ messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2 });
    expect((await post(task.taskId, { status: 200, body: completion })).status).toBe(200);
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-mcpctl-served-by')).toBe('local');
    expect(await response.json()).toEqual(completion);
  });

  it('streams chunks to the caller in order, each as it is posted', async () => {
    const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: alice, maxRetries: 0 });
    const stream = await Promise.all([
      client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      (async () => {
        const task = await nextTask();
        expect(task.streaming).toBe(true);
        expect(task.request.stream).toBeUndefined();
        for (const piece of ['one', ' two', ' three']) await post(task.taskId, { chunk: { data: chunk(piece) } });
        return task;
      })(),
    ]);
    const iterator = stream[0][Symbol.asyncIterator]();
    const first = await iterator.next();
    expect((first.value as OpenAI.ChatCompletionChunk).choices[0]?.delta.content).toBe('one');
    const task = stream[1];
    await post(task.taskId, { chunk: { data: chunk(null, 'stop') } });
    await post(task.taskId, { chunk: { data: '[DONE]', done: true } });
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.choices[0]?.delta.content ?? '');
    expect(rest.join('')).toBe(' two three');
    expect((await post(task.taskId, { chunk: { data: '[DONE]', done: true } })).status).toBe(404);
  });

  it('says at registration that it takes each result seq once', async () => {
    const registered = await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providers: [{ name: 'other', type: 'openai', model: 'qwen3' }] } });
    expect(registered.status).toBe(201);
    expect(((await registered.json()) as { takesResultSeq?: unknown }).takesResultSeq).toBe(true);
  });

  it('takes a numbered result posted again once: the caller reads each chunk once, and the repeat is answered 200', async () => {
    const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: alice, maxRetries: 0 });
    const [stream] = await Promise.all([
      client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      (async () => {
        const task = await nextTask();
        // The publisher's connection failed before mcpd answered seq 1 and 2, so it posted them again.
        for (const [seq, piece] of [[1, 'one'], [1, 'one'], [2, ' two'], [2, ' two'], [3, ' three']] as const) {
          expect((await post(task.taskId, { chunk: { data: chunk(piece) }, seq })).status).toBe(200);
        }
        // Results without a number (an older publisher's) are all taken, as before.
        expect((await post(task.taskId, { chunk: { data: chunk(' four') } })).status).toBe(200);
        await post(task.taskId, { chunk: { data: chunk(null, 'stop') }, seq: 4 });
        await post(task.taskId, { chunk: { data: '[DONE]', done: true }, seq: 5 });
      })(),
    ]);
    const pieces: string[] = [];
    for await (const part of stream) pieces.push(part.choices[0]?.delta.content ?? '');
    expect(pieces.join('')).toBe('one two three four');
  });

  it('takes a whole answer posted again once, and refuses a seq that is not a positive whole number', async () => {
    const answer = infer({});
    const task = await nextTask();
    expect((await post(task.taskId, { status: 200, body: completion, seq: 0 })).status).toBe(400);
    expect((await post(task.taskId, { status: 200, body: completion, seq: 1 })).status).toBe(200);
    expect(await (await answer).json()).toEqual(completion);
    // The task is over once its answer is taken: a repeat arriving later finds nothing to add to.
    expect((await post(task.taskId, { status: 200, body: completion, seq: 1 })).status).toBe(404);
  });

  it('answers a result with the publisher error as 502', async () => {
    const answer = infer({});
    const task = await nextTask();
    await post(task.taskId, { error: 'vLLM is not running' });
    const response = await answer;
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: 'the publisher of local failed: vLLM is not running' });
  });

  it('answers 503 with the Retry-After a publisher error gives, and drops one out of bounds, not the error', async () => {
    const answer = infer({});
    const task = await nextTask();
    await post(task.taskId, { error: "qwen's model server keeps crashing (3 times within a minute); mcplocal starts it again in 42 s", retryAfterSeconds: 42 });
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('42');
    expect(await response.json()).toEqual({ error: "the publisher of local failed: qwen's model server keeps crashing (3 times within a minute); mcplocal starts it again in 42 s" });

    const next = infer({});
    await publisher.waitFor((stream) => stream.tasks().filter((each) => each.kind === 'infer').length === 2);
    const second = await nextTask();
    expect((await post(second.taskId, { error: 'vLLM is not running', retryAfterSeconds: 1.5 })).status).toBe(200);
    const failed = await next;
    expect(failed.status).toBe(502);
    expect(failed.headers.get('retry-after')).toBeNull();
    expect(await failed.json()).toEqual({ error: 'the publisher of local failed: vLLM is not running' });
  });

  it('names the LLM once when the publisher error starts with its name', async () => {
    const answer = infer({});
    const task = await nextTask();
    await post(task.taskId, { error: 'local: cannot reach provider "qwen" at (local address): connect ECONNREFUSED (local address)' });
    expect(await (await answer).json()).toEqual({
      error: 'the publisher of local failed: cannot reach provider "qwen" at (local address): connect ECONNREFUSED (local address)',
    });
  });

  it('refuses a result from another user with 404 and still answers the caller with the owner’s result', async () => {
    const answer = infer({});
    const task = await nextTask();
    const foreign = await post(task.taskId, { status: 200, body: { ...completion, choices: [] } }, bob);
    expect(foreign.status).toBe(404);
    await post(task.taskId, { status: 200, body: completion });
    expect(await (await answer).json()).toEqual(completion);
    expect((await post(task.taskId, { status: 200, body: completion })).status).toBe(404);
  });

  it.each([
    ['not a result shape', { status: 'ok' }],
    ['a number', 42],
  ])('answers a malformed result (%s) with 400 and changes nothing', async (_case, body) => {
    const answer = infer({});
    const task = await nextTask();
    expect((await post(task.taskId, body)).status).toBe(400);
    await post(task.taskId, { status: 200, body: completion });
    expect((await answer).status).toBe(200);
  });

  it('takes the publisher’s report of its failure after a numbered result it refused, not a gap', async () => {
    const answer = infer({});
    const task = await nextTask();
    expect((await post(task.taskId, { status: 'ok', seq: 1 })).status).toBe(400);
    expect((await post(task.taskId, { error: 'the model server crashed', seq: 2 })).status).toBe(200);
    const response = await answer;
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: 'the publisher of local failed: the model server crashed' });
  });

  it.each([
    ['data null', { chunk: { data: null } }],
    ['data "null"', { chunk: { data: 'null' } }],
    ['data that is not JSON', { chunk: { data: 'this is not json' } }],
    ['data that is not a chat.completion.chunk', { chunk: { data: '{"hello":"world"}' } }],
    ['a chunk without data', { chunk: {} }],
  ])('ends the caller’s stream at once with an error frame on a malformed chunk (%s), and refuses later results', async (_case, body) => {
    const answer = infer({ stream: true });
    const task = await nextTask();
    expect((await post(task.taskId, { chunk: { data: chunk('partial') } })).status).toBe(200);
    const response = await answer;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    const refused = await post(task.taskId, body);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/malformed chunk|not JSON|not a chat\.completion\.chunk|invalid task result/);
    // The stream ends by itself, long before the relay's idle timeout.
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value);
    expect(text).toContain('partial');
    expect(text).toMatch(/data: \{"error":\{"message":"the publisher of local/);
    expect(text).not.toContain('[DONE]');
    expect((await post(task.taskId, { chunk: { data: chunk('late') } })).status).toBe(404);
    expect((await post(task.taskId, { chunk: { data: '[DONE]', done: true } })).status).toBe(404);
  });

  it.each([
    ['null', 'null'],
    ['shaped like a chunk but not one', '{"object":"chat.completion.chunk","hello":"world"}'],
    ['a role chunk without its id', '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}'],
  ])('answers a first chunk that is malformed (%s) with an error frame instead of a hang', async (_case, data) => {
    const answer = infer({ stream: true });
    const task = await nextTask();
    expect((await post(task.taskId, { chunk: { data } })).status).toBe(400);
    const text = await (await answer).text();
    expect(text).toBe('data: {"error":{"message":"the publisher of local sent a stream frame that is not a chat.completion.chunk","type":"upstream_error"}}\n\n');
  });

  it('hands each relayed chunk to the caller byte for byte, and still reads the usage for the audit', async () => {
    const answer = infer({ stream: true, stream_options: { include_usage: true } });
    const task = await nextTask();
    for (const data of SCRIPTED_CHUNKS) expect((await post(task.taskId, { chunk: { data } })).status).toBe(200);
    expect((await post(task.taskId, { chunk: { data: '[DONE]', done: true } })).status).toBe(200);
    expect(await (await answer).text()).toBe(sseBody(SCRIPTED_CHUNKS));
    const [record] = (await (await mcpd.api('/api/v1/audit?llm=local')).json()) as Array<Record<string, unknown>>;
    expect(record).toMatchObject({ status: 200, promptTokens: 9, completionTokens: 4 });
  });

  it('leaves out the usage chunk the caller did not ask for, and passes the rest as posted', async () => {
    const answer = infer({ stream: true });
    const task = await nextTask();
    for (const data of SCRIPTED_CHUNKS) await post(task.taskId, { chunk: { data } });
    await post(task.taskId, { chunk: { data: '[DONE]', done: true } });
    expect(await (await answer).text()).toBe(sseBody(SCRIPTED_CHUNKS.slice(0, -1)));
  });

  it.each([
    ['an error frame', '{"object":"chat.completion.chunk","error":{"message":"out of memory"}}'],
    ['a frame that is not JSON', 'data that is not json'],
    ['a frame that is not a chat.completion.chunk', '{"object":"chat.completion","choices":[]}'],
    ['a frame that only looks like a chunk', '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"}}],}'],
    ['a chunk without choices', '{"object":"chat.completion.chunk"}'],
    ['a chunk whose choices are not a list', '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":"x"}'],
    ['a chunk whose content is a number', '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":42}}]}'],
  ])('ends the stream with 400 and an error frame on %s after output has flowed', async (_case, data) => {
    const answer = infer({ stream: true });
    const task = await nextTask();
    for (const piece of ['one', ' two']) expect((await post(task.taskId, { chunk: { data: chunk(piece) } })).status).toBe(200);
    expect((await post(task.taskId, { chunk: { data } })).status).toBe(400);
    const text = await (await answer).text();
    expect(text.startsWith(`data: ${chunk('one')}\n\ndata: ${chunk(' two')}\n\ndata: {"error":{"message":"the publisher of local`)).toBe(true);
    expect(text).not.toContain('[DONE]');
    expect((await post(task.taskId, { chunk: { data: chunk('late') } })).status).toBe(404);
  });

  it('answers 404 for a result to a task that never existed', async () => {
    expect((await post('task_nonexistent', { error: 'x' })).status).toBe(404);
  });

  it('answers 503 at once when the publisher is offline', async () => {
    publisher.close();
    await eventually(() => mcpd.server.services.hub.size === 0);
    // The clock stands still: an answer that waited on any timer would never come.
    const response = await infer({});
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeTruthy();
  });

  it('fails a waiting caller with 503 when the publisher disconnects before answering', async () => {
    const answer = infer({});
    await nextTask();
    publisher.close();
    const response = await answer;
    expect(response.status).toBe(503);
    expect(errorBodySchema.parse(await response.json()).error).toBe('the publisher of local disconnected');
  });

  it('ends a stream in progress with an explicit error frame when the publisher disconnects', async () => {
    const answer = infer({ stream: true });
    const task = await nextTask();
    await post(task.taskId, { chunk: { data: chunk('partial') } });
    const response = await answer;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    publisher.close();
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value);
    expect(text).toContain('partial');
    expect(text).toContain('"error":{"message":"the publisher of local disconnected"');
    expect(text).not.toContain('[DONE]');
  });

  it('sends a cancel task when the caller goes away', async () => {
    const controller = new AbortController();
    const answer = infer({ stream: true }, { signal: controller.signal });
    const task = await nextTask();
    await post(task.taskId, { chunk: { data: chunk('first') } });
    const response = await answer;
    await response.body!.getReader().read();
    controller.abort();
    const cancel = await nextTask('cancel');
    expect(cancel).toEqual({ kind: 'cancel', taskId: task.taskId, llmName: 'local' });
    expect((await post(task.taskId, { chunk: { data: chunk('late') } })).status).toBe(404);
  });

  it('answers 504 when the publisher falls silent', async () => {
    const answer = infer({});
    const task = await nextTask();
    clock.advance(RELAY_TIMEOUT_SECONDS * 1000 - 1);
    expect(mcpd.server.services.tasks.size).toBe(1);
    clock.advance(1);
    expect(mcpd.server.services.tasks.size).toBe(0);
    const response = await answer;
    expect(response.status).toBe(504);
    expect((await nextTask('cancel')).taskId).toBe(task.taskId);
  });

  it('gives a streaming publisher the idle timeout after each result, not the first-result timeout', async () => {
    const idleMs = 300_000;
    const answer = infer({ stream: true });
    const task = await nextTask();
    clock.advance(RELAY_TIMEOUT_SECONDS * 1000 - 1);
    expect((await post(task.taskId, { chunk: { data: chunk('first') } })).status).toBe(200);
    // Past the first-result timeout, the idle timeout from the last result holds.
    clock.advance(idleMs - 1);
    expect(mcpd.server.services.tasks.size).toBe(1);
    expect((await post(task.taskId, { chunk: { data: chunk(' second') } })).status).toBe(200);
    clock.advance(idleMs - 1);
    expect(mcpd.server.services.tasks.size).toBe(1);
    clock.advance(1);
    expect(mcpd.server.services.tasks.size).toBe(0);
    const text = await (await answer).text();
    expect(text).toContain(' second');
    expect(text).toMatch(/did not answer in time/);
    expect((await nextTask('cancel')).taskId).toBe(task.taskId);
  });

  it('answers 404 to anyone who may not see the LLM, exactly like a missing one', async () => {
    const response = await mcpd.api('/api/v1/llms/local/infer', { token: bob, json: { messages: [{ role: 'user', content: 'Hi' }] } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'LLM not found: local' });
    expect(publisher.tasks()).toEqual([]);
  });

  it('audits relayed inferences with the publisher usage', async () => {
    const answer = infer({});
    const task = await nextTask();
    await post(task.taskId, { status: 200, body: completion });
    await answer;
    const [record] = (await (await mcpd.api('/api/v1/audit?llm=local')).json()) as Array<Record<string, unknown>>;
    expect(record).toMatchObject({ status: 200, servedBy: 'local', userName: 'alice', promptTokens: 3, completionTokens: 2 });
  });
});

/* Answers as large as models make them: 20 MiB takes a while to move on a loaded machine, and the relay's deadline runs on a manual clock that does not move here. */
describe('large relayed answers', () => {
  let mcpd: TestServer;
  let alice: string;
  let publisher: ProviderStream;

  beforeEach(async () => {
    mcpd = await startTestServer({ database: await embedded!.open(), clock: new ManualClock(), cacheMs: 0 });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'local', type: 'openai', model: 'qwen3' }] },
    });
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    publisher = await ProviderStream.open(mcpd.url, alice, providerSessionId);
    await publisher.waitFor((stream) => stream.events.length > 0);
  });

  afterEach(async () => {
    publisher.close();
    expect(mcpd.server.services.tasks.size).toBe(0);
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const post = (taskId: string, body: unknown) => mcpd.api(`/api/v1/llms/_provider-task/${taskId}/result`, { token: alice, json: body });
  const nextTask = async () => {
    await publisher.waitFor((stream) => stream.tasks().some((task) => task.kind === 'infer'));
    return publisher.tasks().at(-1) as { taskId: string };
  };
  const infer = (body: Record<string, unknown>) =>
    mcpd.api('/api/v1/llms/local/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }], ...body } });

  it('relays a 20 MiB whole answer, while other routes keep the general body limit', async () => {
    const big = { ...completion, choices: [{ ...completion.choices[0]!, message: { role: 'assistant', content: 'x'.repeat(20 * 1024 * 1024) } }] };
    const answer = infer({});
    const task = await nextTask();
    expect((await post(task.taskId, { status: 200, body: big })).status).toBe(200);
    const response = await answer;
    expect(response.status).toBe(200);
    const body = (await response.json()) as typeof big;
    expect(body.choices[0]!.message.content.length).toBe(20 * 1024 * 1024);
    const tooLargeElsewhere = await mcpd.api('/api/v1/llms', { token: alice, json: { name: 'x', description: 'y'.repeat(5 * 1024 * 1024) } });
    expect(tooLargeElsewhere.status).toBe(413);
  });

  it('relays a 20 MiB chunk', async () => {
    const answer = infer({ stream: true });
    const task = await nextTask();
    expect((await post(task.taskId, { chunk: { data: chunk('y'.repeat(20 * 1024 * 1024)) } })).status).toBe(200);
    await post(task.taskId, { chunk: { data: chunk(null, 'stop') } });
    await post(task.taskId, { chunk: { data: '[DONE]', done: true } });
    const text = await (await answer).text();
    expect(text.length).toBeGreaterThan(20 * 1024 * 1024);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers 413 to a result post over MCPD_MAX_RESULT_BYTES, and the task still takes a fitting result', async () => {
    const answer = infer({});
    const task = await nextTask();
    const oversized = { ...completion, choices: [{ ...completion.choices[0]!, message: { role: 'assistant', content: 'x'.repeat(33 * 1024 * 1024) } }] };
    const refused = await post(task.taskId, { status: 200, body: oversized });
    expect(refused.status).toBe(413);
    expect((await post(task.taskId, { status: 200, body: completion })).status).toBe(200);
    expect(await (await answer).json()).toEqual(completion);
  });

});
