import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tokenCreatedSchema } from '@mcpctl/protocol';
import {
  makeTempDir,
  spawnMcpd,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type TempDir,
} from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestMcpd, type McpdRequest } from './support/request-mcpd.js';
import { eventually } from './support/eventually.js';

/*
 * The abuse suite's bounds: mcpd as a real process, started with umask 000 over a data
 * directory someone left world-readable, and a fake model server. mia and bob are members.
 * Each case is a refusal (or a bound) with nothing changed, then the log scan: no secret
 * used in the run, and never more than 200 characters of the long inputs sent, in any line.
 */

const UPSTREAM_KEY = 'sk-bounds-upstream-secret';
/** Long enough for the test to see the stalled connections held before they are cut, on a loaded machine. */
const BODY_TIMEOUT_SECONDS = 3;
const INFERENCE_PER_USER = 3;
const FAILURE_LIMIT = 10;
/** A long input sent in several cases; no log line or error may repeat more than 200 of its characters. */
const LONG_INPUT_LETTER = 'Z';
const LONG_INPUT = LONG_INPUT_LETTER.repeat(20_000);

let home: TempDir;
let dataDir = '';
let mcpd: SpawnedMcpd;
let upstream: FakeUpstream;
const tokens = { mia: '', bob: '' };
const secrets = new Map<string, string>();

const api = (path: string, init: McpdRequest = {}) => requestMcpd(mcpd, path, init);

const chat = (content = 'Hi') => ({ messages: [{ role: 'user', content }] });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

async function createMember(name: string): Promise<string> {
  expect((await api('/api/v1/users', { json: { name, role: 'member' } })).status).toBe(201);
  const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { json: { user: name, name: 'bounds' } })).json());
  secrets.set(`${name}'s token`, created.token);
  return created.token;
}

/** What a refused request could have changed. */
async function registry() {
  const read = async (path: string, token?: string) => await (await api(path, token ? { token } : {})).json();
  return {
    llms: await read('/api/v1/llms'),
    agents: await read('/api/v1/agents'),
    users: await read('/api/v1/users'),
    miaThreads: await read('/api/v1/threads', tokens.mia),
    upstreamCalls: upstream.requests.length,
  };
}

/** Every directory and file under `root` with its permission bits. */
async function modes(root: string): Promise<Array<{ path: string; directory: boolean; mode: number }>> {
  const found: Array<{ path: string; directory: boolean; mode: number }> = [];
  const visit = async (path: string) => {
    const stats = await lstat(path);
    found.push({ path, directory: stats.isDirectory(), mode: stats.mode & 0o777 });
    if (stats.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(root);
  return found;
}

const openDescriptors = async () => (await readdir(`/proc/${mcpd.process.pid!}/fd`)).length;

beforeAll(async () => {
  home = await makeTempDir('abuse-bounds');
  // A data directory left open to everyone, with a file in it, as an older mcpd or a careless copy would.
  dataDir = join(home.path, 'mcpd-data');
  await mkdir(dataDir, { mode: 0o755 });
  await chmod(dataDir, 0o755);
  await writeFile(join(dataDir, 'notes'), 'left here\n', { mode: 0o666 });
  await chmod(join(dataDir, 'notes'), 0o666);
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, tokensPerSecond: 500 });
  mcpd = await spawnMcpd({
    dataDir,
    // The loosest umask there is: whatever mcpd writes must still be private.
    nodeFlags: ['--import', 'data:text/javascript,process.umask(0)'],
    startTimeoutMs: 110_000,
    env: {
      MCPD_BODY_TIMEOUT_SECONDS: String(BODY_TIMEOUT_SECONDS),
      MCPD_MAX_INFERENCE_PER_USER: String(INFERENCE_PER_USER),
      MCPD_AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
      MCPD_AUTH_FAILURE_WINDOW_SECONDS: '60',
      MCPD_LOG_LEVEL: 'trace',
    },
  });
  secrets.set('admin token', mcpd.adminToken);
  secrets.set('upstream API key', UPSTREAM_KEY);
  tokens.mia = await createMember('mia');
  tokens.bob = await createMember('bob');
  expect((await api('/api/v1/llms', { json: { name: 'shared-gpt', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, apiKey: UPSTREAM_KEY } })).status).toBe(201);
  expect((await api('/api/v1/agents', { json: { name: 'helper', llm: 'shared-gpt' } })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await mcpd?.stop();
  await upstream?.close();
  await home?.cleanup();
});

const cases: Array<[string, () => Promise<void>]> = [
  [
    'the data directory, started with umask 000 over a world-readable one: every directory 0700, every file 0600',
    async () => {
      const entries = await modes(dataDir);
      expect(entries.filter((entry) => entry.directory).length).toBeGreaterThan(5);
      expect(entries.filter((entry) => !entry.directory).length).toBeGreaterThan(100);
      const open = entries.filter((entry) => entry.mode !== (entry.directory ? 0o700 : 0o600));
      expect(open.map((entry) => `${entry.mode.toString(8)} ${entry.path}`)).toEqual([]);
      expect(entries.map((entry) => entry.path)).toEqual(expect.arrayContaining([join(dataDir, 'notes'), join(dataDir, 'pgdata'), join(dataDir, 'secret-key')]));
    },
  ],
  [
    'NUL bytes in paths and bodies, bytes that are not UTF-8, JSON 65 levels deep: 400 on every route, nothing changed',
    async () => {
      const before = await registry();
      const refused: Array<[string, Response]> = [
        ['llm path', await api('/api/v1/llms/shared%00gpt', { token: tokens.mia })],
        ['infer path', await api('/api/v1/llms/shared%00gpt/infer', { token: tokens.mia, json: chat() })],
        ['agent path', await api('/api/v1/agents/help%00er', { method: 'PUT', token: tokens.mia, json: { description: 'x' } })],
        ['thread path', await api('/api/v1/threads/thr_%00', { token: tokens.mia })],
        ['user path', await api('/api/v1/users/m%00ia')],
        ['token path', await api('/api/v1/tokens/bo%00unds', { method: 'DELETE', token: tokens.mia })],
        ['infer body', await api('/api/v1/llms/shared-gpt/infer', { token: tokens.mia, json: chat('a\u0000b') })],
        ['openai body', await api('/v1/chat/completions', { token: tokens.mia, json: { model: 'shared-gpt', ...chat('\u0000') } })],
        ['agent chat body', await api('/api/v1/agents/helper/chat', { token: tokens.mia, json: chat('keep \u0000 this') })],
        ['llm body', await api('/api/v1/llms', { json: { name: 'nul-gpt', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, description: '\u0000' } })],
        ['agent body', await api('/api/v1/agents', { token: tokens.mia, json: { name: 'nul-agent', llm: 'shared-gpt', systemPrompt: '\u0000' } })],
      ];
      const rawBody = (path: string, body: Buffer | string) =>
        api(path, { method: 'POST', token: tokens.mia, headers: { 'content-type': 'application/json' }, body });
      const latin1 = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"caf'), Buffer.from([0xe9]), Buffer.from('"}]}')]);
      refused.push(['infer latin-1 body', await rawBody('/api/v1/llms/shared-gpt/infer', latin1)]);
      refused.push(['agent chat latin-1 body', await rawBody('/api/v1/agents/helper/chat', latin1)]);
      const deep = `{"name":"deep-agent","llm":"shared-gpt","extras":{"a":${'['.repeat(63)}${']'.repeat(63)}}}`;
      refused.push(['agent 65 levels', await rawBody('/api/v1/agents', deep)]);
      refused.push(['infer 65 levels', await rawBody('/api/v1/llms/shared-gpt/infer', `${'['.repeat(65)}${']'.repeat(65)}`)]);
      const statuses = Object.fromEntries(refused.map(([what, response]) => [what, response.status]));
      expect(statuses).toEqual(Object.fromEntries(refused.map(([what]) => [what, 400])));
      for (const [, response] of refused) expect(await errorOf(response)).toMatch(/NUL character|not valid UTF-8|nested deeper than 64 levels/);
      expect(await registry()).toEqual(before);
      // Control: the same chat without the NUL is answered and kept in a thread.
      const clean = await api('/api/v1/agents/helper/chat', { token: tokens.mia, json: chat('keep this') });
      expect(clean.status).toBe(200);
      expect(((await (await api('/api/v1/threads', { token: tokens.mia })).json()) as unknown[]).length).toBe(1);
    },
  ],
  [
    'long inputs in names, keys and paths: errors repeat at most 200 characters of them',
    async () => {
      const answers = [
        await api('/v1/chat/completions', { token: tokens.bob, json: { model: LONG_INPUT.slice(0, 256), ...chat() } }),
        await api('/api/v1/agents', { token: tokens.bob, json: { name: 'keyed', llm: 'shared-gpt', [LONG_INPUT]: 1 } }),
        await api(`/api/v1/no-such-route/${LONG_INPUT.slice(0, 6000)}`, { token: tokens.bob }),
        await api('/api/v1/agents/helper/chat', { token: tokens.bob, json: { ...chat(), threadId: LONG_INPUT.slice(0, 256) } }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([404, 400, 404, 404]);
      for (const answer of answers) {
        const error = await errorOf(answer);
        expect(error).toContain(LONG_INPUT_LETTER.repeat(20));
        expect(error).not.toContain(LONG_INPUT_LETTER.repeat(201));
      }
      expect((await api('/api/v1/agents/keyed')).status).toBe(404);
    },
  ],
  [
    `stalled request bodies: each cut with 408 after ${BODY_TIMEOUT_SECONDS} s, their descriptors given back, nothing created`,
    async () => {
      const baseline = await openDescriptors();
      const body = JSON.stringify({ name: 'stalled-agent', llm: 'shared-gpt' });
      const sockets = Array.from({ length: 40 }, () => {
        const socket = connect(mcpd.port, '127.0.0.1');
        let answer = '';
        socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
        socket.on('error', () => undefined);
        const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(answer)));
        socket.write(
          `POST /api/v1/agents HTTP/1.1\r\nHost: mcpd\r\nAuthorization: Bearer ${tokens.bob}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 12)}`,
        );
        return closed;
      });
      // The most descriptors seen while the bodies stall, watched until the last 408 (a loaded
      // machine may reach the timeout before a single look would come).
      let held = 0;
      let answered = false;
      const all = Promise.all(sockets).finally(() => (answered = true));
      while (!answered && held < baseline + 40) {
        held = Math.max(held, await openDescriptors());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(held).toBeGreaterThanOrEqual(baseline + 30);
      const answers = await all;
      expect(answers.every((answer) => answer.startsWith('HTTP/1.1 408 '))).toBe(true);
      // The stalled connections' descriptors are given back (other connections may come and go meanwhile).
      await eventually(async () => (await openDescriptors()) <= held - 30);
      expect((await api('/api/v1/agents/stalled-agent')).status).toBe(404);
      // Control: the same body sent whole creates the agent.
      expect((await api('/api/v1/agents', { token: tokens.bob, json: JSON.parse(body) })).status).toBe(201);
      expect((await api('/api/v1/agents/stalled-agent', { method: 'DELETE', token: tokens.bob })).status).toBe(204);
    },
  ],
  [
    `bob past ${INFERENCE_PER_USER} inference requests in flight: 429, and mia is served meanwhile`,
    async () => {
      upstream.setBehavior({ mode: 'hang' });
      const controllers = Array.from({ length: INFERENCE_PER_USER }, () => new AbortController());
      const before = upstream.requests.length;
      const held = controllers.map((controller) =>
        api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat(), signal: controller.signal }).catch(() => undefined),
      );
      await upstream.waitForRequests(before + INFERENCE_PER_USER);
      const refused = await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'shared-gpt', ...chat() } });
      expect(refused.status).toBe(429);
      expect(await errorOf(refused)).toBe(`you already have ${INFERENCE_PER_USER} inference requests open; wait for some to finish`);
      expect(upstream.requests.length - before).toBe(INFERENCE_PER_USER);
      upstream.setBehavior({ mode: 'normal' });
      expect((await api('/api/v1/llms/shared-gpt/infer', { token: tokens.mia, json: chat() })).status).toBe(200);
      for (const controller of controllers) controller.abort();
      await Promise.all(held);
      await eventually(async () => (await api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat() })).status === 200);
    },
  ],
  [
    `${FAILURE_LIMIT * 3} bad tokens from one address: 401 then 429 for bad tokens, while valid tokens from that address still get in`,
    async () => {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < FAILURE_LIMIT * 3; attempt += 1) {
        statuses.push((await api('/api/v1/llms', { token: `mcpctl_guess-${attempt}-0123456789abcdef` })).status);
        // Users behind the same address keep working throughout the flood.
        if (attempt % 5 === 4) expect((await api('/api/v1/llms', { token: tokens.mia })).status).toBe(200);
      }
      expect(statuses.slice(0, FAILURE_LIMIT).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(FAILURE_LIMIT).every((status) => status === 429)).toBe(true);
      const refused = await api('/api/v1/llms', { token: 'mcpctl_one-more-guess-0123456789' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await api('/api/v1/llms')).status).toBe(200);
      expect((await api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat() })).status).toBe(200);
    },
  ],
  [
    'no secret, and never more than 200 characters of a long input, in any line mcpd wrote',
    async () => {
      await mcpd.stop();
      const output = mcpd.output();
      expect(output).toContain('mcpd listening');
      expect(output).toContain('made the data directory private');
      const leaks = [...secrets].filter(([, secret]) => output.includes(secret)).map(([what]) => what);
      expect(secrets.size).toBeGreaterThanOrEqual(4);
      expect(leaks).toEqual([]);
      expect(output).not.toContain(LONG_INPUT_LETTER.repeat(201));
    },
  ],
];

describe(`abuse suite: bounds (${cases.length} cases)`, () => {
  for (const [title, run] of cases) it(title, run);
});
