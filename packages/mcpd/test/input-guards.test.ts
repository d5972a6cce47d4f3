import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

/*
 * Bad bytes in names, paths and bodies (SPEC §9): a NUL character, invalid UTF-8, an unpaired
 * surrogate or JSON nested past 64 levels is a 400 with a clear message on every route — never
 * a 500, never a row stored, never a model called — and no error repeats more than 200
 * characters of what the caller sent.
 */

const [embedded] = testDatabaseVariants();

let mcpd: TestServer;
let upstream: FakeUpstream;
let memberToken = '';

beforeAll(async () => {
  upstream = await startFakeUpstream({ echo: true });
  mcpd = await startTestServer({ database: await embedded!.open() });
  memberToken = await addUser(mcpd.server.services.database.db, 'mia');
  expect((await mcpd.api('/api/v1/llms', { json: { name: 'gpt', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl } })).status).toBe(201);
  expect((await mcpd.api('/api/v1/agents', { json: { name: 'helper', llm: 'gpt', systemPrompt: 'Be brief.' } })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  const database = mcpd?.server.services.database;
  await mcpd?.close();
  await database?.close();
  await upstream?.close();
});

const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;
const chat = (content: string) => ({ messages: [{ role: 'user', content }] });

/** Everything a refused request could have changed, for a before/after comparison. */
async function snapshot() {
  const read = async (path: string) => await (await mcpd.api(path)).json();
  const threads = (await (await mcpd.api('/api/v1/threads', { token: memberToken })).json()) as unknown[];
  return {
    llms: await read('/api/v1/llms'),
    agents: await read('/api/v1/agents'),
    users: await read('/api/v1/users'),
    tokens: await read('/api/v1/tokens'),
    bindings: await read('/api/v1/rolebindings'),
    threads,
    upstreamCalls: upstream.requests.length,
  };
}

/** A request with a raw body, so the test controls every byte. */
function raw(path: string, body: Buffer | string, method = 'POST', token = mcpd.token): Promise<Response> {
  return fetch(`${mcpd.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('bad bytes in paths', () => {
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/api/v1/llms/a%00b'],
    ['HEAD', '/api/v1/llms/a%00b'],
    ['PUT', '/api/v1/llms/a%00b', { description: 'x' }],
    ['DELETE', '/api/v1/llms/a%00b'],
    ['POST', '/api/v1/llms/a%00b/infer', chat('Hi')],
    ['GET', '/api/v1/agents/a%00b'],
    ['PUT', '/api/v1/agents/a%00b', { description: 'x' }],
    ['DELETE', '/api/v1/agents/a%00b'],
    ['POST', '/api/v1/agents/a%00b/chat', chat('Hi')],
    ['GET', '/api/v1/threads/thr_%00'],
    ['DELETE', '/api/v1/threads/thr_%00'],
    ['GET', '/api/v1/users/a%00b'],
    ['PUT', '/api/v1/users/a%00b', { role: 'viewer' }],
    ['DELETE', '/api/v1/users/a%00b'],
    ['DELETE', '/api/v1/tokens/a%00b'],
    ['GET', '/api/v1/rolebindings/a%00b'],
    ['DELETE', '/api/v1/rolebindings/a%00b'],
    ['GET', '/api/v1/pools/a%00b'],
    ['POST', '/api/v1/llms/_provider-task/task%00x/result', { error: 'x' }],
    ['GET', '/api/v1/audit?user=a%00b'],
  ];

  it.each(routes)('%s %s with a NUL: 400 naming the problem, nothing changed', async (method, path, json) => {
    const before = await snapshot();
    const response = await mcpd.api(path, { method, ...(json === undefined ? {} : { json }) });
    expect(response.status).toBe(400);
    if (method !== 'HEAD') expect(await errorOf(response)).toMatch(/^invalid (path|query): .*contains a NUL character/);
    expect(await snapshot()).toEqual(before);
  });

  it('a percent-encoded byte sequence that is not UTF-8: 400 in the usual shape, the URL not repeated', async () => {
    const path = `/api/v1/llms/${'%FF'.repeat(30)}`;
    const response = await mcpd.api(path);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'the URL is not valid: a percent-encoded part of it is not UTF-8' });
  });
});

describe('bad bytes in bodies', () => {
  const bodies: Array<[string, string, Record<string, unknown>]> = [
    ['create an LLM', '/api/v1/llms', { name: 'nul-llm', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1', description: 'a\u0000b' }],
    ['create an agent', '/api/v1/agents', { name: 'nul-agent', llm: 'gpt', systemPrompt: 'a\u0000b' }],
    ['create a user', '/api/v1/users', { name: 'nul-user', groups: ['ok'], extra: 'a\u0000' }],
    ['create a token', '/api/v1/tokens', { name: 'nul-token', description: '\u0000' }],
    ['infer', '/api/v1/llms/gpt/infer', chat('Hello\u0000 there')],
    ['chat completions', '/v1/chat/completions', { model: 'gpt', ...chat('\u0000') }],
    ['chat with an agent (a thread would be stored)', '/api/v1/agents/helper/chat', chat('remember \u0000 this')],
    ['publish', '/api/v1/llms/_provider-register', { providers: [{ name: 'nul-local', type: 'openai', model: 'm', description: 'x\u0000' }] }],
  ];

  it.each(bodies)('%s with a NUL in a string: 400 naming the field, nothing stored, no model called', async (_what, path, json) => {
    const before = await snapshot();
    const response = await mcpd.api(path, { json, token: memberToken });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/^invalid request body: .*contains a NUL character \(\\u0000\)$/);
    expect(await snapshot()).toEqual(before);
  });

  it('names the field that holds the NUL', async () => {
    const response = await mcpd.api('/api/v1/agents/helper/chat', { json: chat('a\u0000'), token: memberToken });
    expect(await errorOf(response)).toBe('invalid request body: messages.0.content: contains a NUL character (\\u0000)');
    const key = await mcpd.api('/api/v1/llms/gpt/infer', { json: { ...chat('hi'), metadata: { 'k\u0000': 1 } }, token: memberToken });
    expect(await errorOf(key)).toBe('invalid request body: metadata: a key contains a NUL character (\\u0000)');
  });

  it('a body that is not sent as JSON: 415 saying how to send it, nothing stored', async () => {
    const before = await snapshot();
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded']) {
      const sent = await fetch(`${mcpd.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${mcpd.token}`, 'content-type': type },
        body: JSON.stringify({ name: 'typed-agent', llm: 'gpt' }),
      });
      expect(sent.status).toBe(415);
      expect(await errorOf(sent)).toBe('send the body as application/json');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('no body at all, and a name missing from the path: 400 saying which, not a field of a body', async () => {
    const bare = await fetch(`${mcpd.url}/api/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${mcpd.token}` } });
    expect(bare.status).toBe(400);
    expect(await errorOf(bare)).toBe('missing request body: send a JSON object (content-type: application/json)');
    // The same with the JSON header and nothing after it, as many clients send on every request.
    const empty = await raw('/api/v1/users', '');
    expect(empty.status).toBe(400);
    expect(await errorOf(empty)).toBe('missing request body: send a JSON object (content-type: application/json)');
    const nameless = await fetch(`${mcpd.url}/api/v1/users/`, { method: 'DELETE', headers: { authorization: `Bearer ${mcpd.token}` } });
    expect(nameless.status).toBe(400);
    expect(await errorOf(nameless)).toBe('invalid path: name: must not be empty');
  });

  it('a DELETE sent with the JSON header and no body deletes, as one without the header does', async () => {
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'doomed', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl } })).status).toBe(201);
    const deleted = await raw('/api/v1/llms/doomed', '', 'DELETE');
    expect(deleted.status).toBe(204);
    expect((await raw('/api/v1/llms/doomed', '', 'DELETE')).status).toBe(404);
  });

  it('bytes that are not UTF-8: 400 instead of a silent U+FFFD, nothing stored', async () => {
    const before = await snapshot();
    const agent = Buffer.concat([Buffer.from('{"name":"latin-agent","llm":"gpt","description":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const created = await raw('/api/v1/agents', agent);
    expect(created.status).toBe(400);
    expect(await errorOf(created)).toBe('the body is not valid UTF-8');
    const infer = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]}')]);
    expect((await raw('/api/v1/llms/gpt/infer', infer, 'POST', memberToken)).status).toBe(400);
    expect((await raw('/api/v1/agents/helper/chat', infer, 'POST', memberToken)).status).toBe(400);
    expect(await snapshot()).toEqual(before);
    // Control: the same text in proper UTF-8 is stored as sent.
    const proper = await mcpd.api('/api/v1/agents', { json: { name: 'latin-agent', llm: 'gpt', description: 'café' } });
    expect(proper.status).toBe(201);
    expect(((await proper.json()) as { description: string }).description).toBe('café');
    expect((await mcpd.api('/api/v1/agents/latin-agent', { method: 'DELETE' })).status).toBe(204);
  });

  it('an unpaired surrogate escape: 400, nothing stored', async () => {
    const before = await snapshot();
    const response = await raw('/api/v1/agents', '{"name":"surrogate","llm":"gpt","description":"x\\ud800y"}');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toBe('invalid request body: description: is not valid Unicode (an unpaired surrogate)');
    expect(await snapshot()).toEqual(before);
    // Control: a proper pair (an emoji) is fine.
    const pair = await raw('/api/v1/llms/gpt/infer', '{"messages":[{"role":"user","content":"\\ud83d\\ude00"}]}', 'POST', memberToken);
    expect(pair.status).toBe(200);
  });

  it('JSON nested deeper than 64 levels: 400; 64 levels are accepted', async () => {
    const before = await snapshot();
    const tooDeep = await raw('/api/v1/agents', `{"name":"deep","llm":"gpt","extras":{"a":${nested(63)}}}`);
    expect(tooDeep.status).toBe(400);
    expect(await errorOf(tooDeep)).toBe('the JSON body is nested deeper than 64 levels');
    expect(await snapshot()).toEqual(before);
    for (const path of ['/api/v1/llms/gpt/infer', '/v1/chat/completions', '/api/v1/agents/helper/chat', '/api/v1/users', '/api/v1/tokens']) {
      const response = await raw(path, nested(65), 'POST', memberToken);
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toBe('the JSON body is nested deeper than 64 levels');
    }
    // Brackets inside strings are text, not nesting.
    const text = await raw('/api/v1/llms/gpt/infer', JSON.stringify(chat('['.repeat(500))), 'POST', memberToken);
    expect(text.status).toBe(200);
    const deepest = await raw('/api/v1/agents', `{"name":"deep","llm":"gpt","extras":{"a":${nested(62)}}}`);
    expect(deepest.status).toBe(201);
    expect((await mcpd.api('/api/v1/agents/deep', { method: 'DELETE' })).status).toBe(204);
  });

  it('a million nested brackets are refused at once, not parsed', async () => {
    const body = nested(1_000_000);
    const response = await raw('/api/v1/llms/gpt/infer', body, 'POST', memberToken);
    expect(response.status).toBe(400);
    // This answer comes from the depth scan that runs before any parse: the body was never parsed.
    expect(await errorOf(response)).toBe('the JSON body is nested deeper than 64 levels');
  });
});

describe('echoes of the caller input', () => {
  const longest = (text: string, letter: string) => Math.max(0, ...(text.match(new RegExp(`${letter}+`, 'g')) ?? []).map((run) => run.length));

  it('error messages repeat at most 200 characters of a name, key, path or thread id', async () => {
    const model = await mcpd.api('/v1/chat/completions', { json: { model: 'm'.repeat(256), ...chat('Hi') }, token: memberToken });
    expect(model.status).toBe(404);
    const modelError = await errorOf(model);
    expect(modelError.startsWith('model not found: mmmm')).toBe(true);
    expect(longest(modelError, 'm')).toBe(200);

    const key = await mcpd.api('/api/v1/users', { json: { name: 'keyed', ['k'.repeat(5000)]: 1 } });
    expect(key.status).toBe(400);
    expect(longest(await errorOf(key), 'k')).toBeLessThanOrEqual(200);

    const thread = await mcpd.api('/api/v1/agents/helper/chat', { json: { ...chat('Hi'), threadId: `thr_${'t'.repeat(250)}` }, token: memberToken });
    expect(thread.status).toBe(404);
    expect(await errorOf(thread)).toBe(`thread not found: thr_${'t'.repeat(196)}…`);

    const route = await mcpd.api(`/no/${'r'.repeat(5000)}`);
    expect(route.status).toBe(404);
    expect(await errorOf(route)).toBe(`no route for GET /no/${'r'.repeat(196)}…`);

    const segment = await mcpd.api(`/api/v1/llms/${'s'.repeat(5000)}`);
    expect(segment.status).toBe(414);
    expect(await segment.json()).toEqual({ error: 'a part of the URL path is too long' });
  });
});
