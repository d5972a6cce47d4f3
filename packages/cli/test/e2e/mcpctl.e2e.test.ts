import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  DEFAULT_TOKENS,
  makeTempDir,
  spawnMcpd,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type TempDir,
} from '@mcpctl/test-kit';
import { llmViewSchema, providerSessionViewSchema } from '@mcpctl/protocol';
import { runMcpctl, type McpctlRun } from '../helpers/run-mcpctl.js';

/*
 * The real thing end to end: mcpd as a child process with its embedded database, a fake
 * OpenAI upstream speaking HTTP, and the built mcpctl binary run once per command.
 * The tests run in order and share one registry.
 */

const UPSTREAM_KEY = 'sk-upstream-secret';
const ANSWER = DEFAULT_TOKENS.join('');

let dataDir: TempDir;
let home: TempDir;
let mcpd: SpawnedMcpd;
let upstream: FakeUpstream;

beforeAll(async () => {
  dataDir = await makeTempDir('mcpctl-e2e-data');
  home = await makeTempDir('mcpctl-e2e-home');
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, tokensPerSecond: 200 });
  mcpd = await spawnMcpd({ dataDir: dataDir.path });
});

afterAll(async () => {
  await mcpd?.stop();
  await upstream?.close();
  await home?.cleanup();
  await dataDir?.cleanup();
});

/** mcpctl with the test's MCPCTL_HOME; credentials come from the file `login` writes. */
function mcpctl(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<McpctlRun> {
  return runMcpctl(args, { env: { MCPCTL_HOME: home.path, ...options.env }, ...(options.input === undefined ? {} : { input: options.input }) });
}

function chatRequests(): Array<{ messages: unknown; stream?: unknown }> {
  return upstream.requests
    .filter((request) => request.path === '/v1/chat/completions')
    .map((request) => request.body as { messages: unknown; stream?: unknown });
}

function errorLines(run: McpctlRun): string[] {
  return run.stderr.split('\n').filter((line) => line !== '');
}

describe('mcpctl against a real mcpd', () => {
  it('refuses a wrong token at login without writing credentials', async () => {
    const run = await mcpctl(['login', '--url', mcpd.url, '--token', 'not-the-token']);
    expect(run.code).toBe(1);
    expect(errorLines(run)).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^error: mcpd at ${mcpd.url} rejected the token: `));
    await expect(stat(join(home.path, 'credentials'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("says a URL with mcpd's inference path is no mcpd's base URL, and writes nothing", async () => {
    const run = await mcpctl(['login', '--url', `${mcpd.url}/v1`, '--token', mcpd.adminToken]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: no mcpd at ${mcpd.url}/v1: GET /api/v1/status answered 404 (no route for GET /v1/api/v1/status) — mcpd's base URL has no path: try --url ${mcpd.url}\n`,
    });
    await expect(stat(join(home.path, 'credentials'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("says what to check when MCPCTL_URL leads under mcpd's inference path or to another server", async () => {
    const underV1 = await mcpctl(['get', 'llms'], { env: { MCPCTL_URL: `${mcpd.url}/v1`, MCPCTL_TOKEN: mcpd.adminToken } });
    expect(underV1).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: no mcpd at ${mcpd.url}/v1: GET /api/v1/llms answered 404 (no route for GET /v1/api/v1/llms) — mcpd's base URL has no path: try MCPCTL_URL=${mcpd.url}, or 'mcpctl login --url ${mcpd.url}'\n`,
    });
    const other = await mcpctl(['get', 'agents'], { env: { MCPCTL_URL: upstream.url, MCPCTL_TOKEN: mcpd.adminToken } });
    expect(other).toEqual({ code: 1, stdout: '', stderr: `error: no mcpd at ${upstream.url}: GET /api/v1/agents answered 404 — is this mcpd's address and port?\n` });
  });

  it('logs in and stores the credentials readable by the owner only', async () => {
    const run = await mcpctl(['login', '--url', `${mcpd.url}/`, '--token', mcpd.adminToken]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`Logged in to ${mcpd.url} as admin.\n`);
    const file = join(home.path, 'credentials');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ mcpdUrl: mcpd.url, token: mcpd.adminToken });
  });

  it('logs in with the token from stdin (--token -) or from MCPCTL_TOKEN, which keep it out of shell history and ps', async () => {
    const file = join(home.path, 'credentials');
    const piped = await mcpctl(['login', '--url', mcpd.url, '--token', '-'], { input: `${mcpd.adminToken}\n` });
    expect(piped).toEqual({ code: 0, stdout: `Logged in to ${mcpd.url} as admin.\n`, stderr: '' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ mcpdUrl: mcpd.url, token: mcpd.adminToken });
    const fromEnv = await mcpctl(['login', '--url', mcpd.url], { env: { MCPCTL_TOKEN: mcpd.adminToken } });
    expect(fromEnv).toEqual({ code: 0, stdout: `Logged in to ${mcpd.url} as admin.\n`, stderr: '' });
    const empty = await mcpctl(['login', '--url', mcpd.url, '--token', '-'], { input: '' });
    expect(empty).toEqual({ code: 2, stdout: '', stderr: 'error: the token read from stdin is empty\n' });
  });

  it('shows who is logged in, the server and its health', async () => {
    const run = await mcpctl(['status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Server:    ${mcpd.url}\n`);
    expect(run.stdout).toContain('User:      admin (admin)\n');
    expect(run.stdout).toMatch(/Version: +\S+\n/);
    expect(run.stdout).toContain('Database:  embedded\n');
    expect(run.stdout).toContain('Live:      ok\n');
    expect(run.stdout).toContain('Ready:     ok\n');
  });

  it('says when there are no LLMs, on stderr, and applies the empty list back as nothing to do', async () => {
    const run = await mcpctl(['get', 'llms']);
    expect(run).toEqual({ code: 0, stdout: '', stderr: 'No LLMs found.\n' });
    // An empty YAML stream is the empty list; JSON says it as [].
    const yaml = await mcpctl(['get', 'llms', '-o', 'yaml']);
    expect(yaml).toEqual({ code: 0, stdout: '', stderr: 'No LLMs found.\n' });
    const json = await mcpctl(['get', 'llms', '-o', 'json']);
    expect(json).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    for (const input of [yaml.stdout, json.stdout, '---\n']) {
      expect(await mcpctl(['apply', '-f', '-'], { input })).toEqual({ code: 0, stdout: '', stderr: 'stdin holds no documents: nothing to apply\n' });
    }
    const empty = join(home.path, 'empty.yaml');
    await writeFile(empty, '');
    expect(await mcpctl(['apply', '-f', empty])).toEqual({ code: 0, stdout: '', stderr: `${empty} holds no documents: nothing to apply\n` });
  });

  it('creates an LLM with its key read from the environment', async () => {
    const run = await mcpctl(
      ['create', 'llm', 'fake', '--type', 'openai', '--model', 'fake-model', '--url', upstream.openaiBaseUrl, '--api-key-env', 'FAKE_KEY', '--pool', 'gpu', '--description', 'the fake upstream'],
      { env: { FAKE_KEY: UPSTREAM_KEY } },
    );
    expect(run).toEqual({ code: 0, stdout: 'llm/fake created\n', stderr: '' });
  });

  it('lists it as a table, as JSON and as YAML', async () => {
    const table = await mcpctl(['get', 'llms']);
    expect(table.code).toBe(0);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'KIND', 'STATUS', 'VISIBILITY', 'TYPE', 'MODEL', 'TIER', 'POOL', 'KEY', 'ID']);
    expect(row?.split(/\s{2,}/).slice(0, 9)).toEqual(['fake', 'public', 'active', 'public', 'openai', 'fake-model', 'fast', 'gpu', 'yes']);
    // Columns line up: every value starts where its header does.
    expect(row?.indexOf('fake-model')).toBe(header?.indexOf('MODEL'));

    const json = await mcpctl(['get', 'llm', 'fake', '-o', 'json']);
    const view = llmViewSchema.parse(JSON.parse(json.stdout));
    expect(view).toMatchObject({ name: 'fake', hasApiKey: true, poolName: 'gpu', url: upstream.openaiBaseUrl });
    const list = await mcpctl(['get', 'llms', '-o', 'json']);
    expect(JSON.parse(list.stdout)).toEqual([view]);

    const yaml = await mcpctl(['get', 'llm', 'fake', '-o', 'yaml']);
    expect(yaml.stdout.startsWith('kind: Llm\n')).toBe(true);
    const { kind: _kind, ...fields } = view;
    expect(parseAllDocuments(yaml.stdout).map((document) => document.toJS() as unknown)).toEqual([{ kind: 'Llm', ...fields }]);
  });

  it('applies get -o yaml and get -o json output back unchanged', async () => {
    const yaml = await mcpctl(['get', 'llm', 'fake', '-o', 'yaml']);
    const fromYaml = await mcpctl(['apply', '-f', '-'], { input: yaml.stdout });
    expect(fromYaml).toEqual({ code: 0, stdout: 'llm/fake unchanged\n', stderr: '' });
    const json = await mcpctl(['get', 'llms', '-o', 'json']);
    const fromJson = await mcpctl(['apply', '-f', '-'], { input: json.stdout });
    expect(fromJson).toEqual({ code: 0, stdout: 'llm/fake unchanged\n', stderr: '' });
  });

  it('creates new LLMs and configures changed ones from a multi-document file', async () => {
    const file = join(home.path, 'llms.yaml');
    await writeFile(
      file,
      [
        'kind: Llm',
        'name: fake',
        'type: openai',
        'model: fake-model',
        `url: ${upstream.openaiBaseUrl}`,
        'description: changed by apply',
        '---',
        'kind: Llm',
        'name: other',
        'type: ollama',
        'model: llama3',
        'url: http://127.0.0.1:11434',
        'tier: heavy',
        'maxConcurrent: 2',
        '',
      ].join('\n'),
    );
    const run = await mcpctl(['apply', '-f', file]);
    expect(run).toEqual({ code: 0, stdout: 'llm/fake configured\nllm/other created\n', stderr: '' });
    const fake = llmViewSchema.parse(JSON.parse((await mcpctl(['get', 'llm', 'fake', '-o', 'json'])).stdout));
    // Fields the document left out are kept, the key included.
    expect(fake).toMatchObject({ description: 'changed by apply', poolName: 'gpu', hasApiKey: true });
    const other = llmViewSchema.parse(JSON.parse((await mcpctl(['get', 'llm', 'other', '-o', 'json'])).stdout));
    expect(other).toMatchObject({ type: 'ollama', tier: 'heavy', maxConcurrent: 2, hasApiKey: false });
    expect((await mcpctl(['apply', '-f', file])).stdout).toBe('llm/fake unchanged\nllm/other unchanged\n');
  });

  it("refuses a file with a document past mcpd's bounds before sending any, naming the file and the document", async () => {
    const file = join(home.path, 'bounds.yaml');
    const documents = ['first-ok', 'second', 'third'].map((name, index) =>
      ['kind: Llm', `name: ${name}`, 'type: openai', 'model: m', `url: ${upstream.openaiBaseUrl}`, `maxConcurrent: ${index === 1 ? 200_000 : 2}`].join('\n'),
    );
    await writeFile(file, documents.join('\n---\n'));
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 2 (llm/second) is invalid: maxConcurrent: must be at most 100000\n`,
    });
    expect((await mcpctl(['get', 'llm', 'first-ok'])).code).toBe(1);
  });

  it('keeps what a partial document leaves out, and asks for type, model and url only to create', async () => {
    const partial = await mcpctl(['apply', '-f', '-'], { input: 'kind: Llm\nname: fake\ndescription: null\n' });
    expect(partial).toEqual({ code: 0, stdout: 'llm/fake configured\n', stderr: '' });
    const fake = llmViewSchema.parse(JSON.parse((await mcpctl(['get', 'llm', 'fake', '-o', 'json'])).stdout));
    expect(fake).toMatchObject({ description: null, model: 'fake-model', poolName: 'gpu', hasApiKey: true });
    // A new LLM needs all three; checked when its absence is known, still before anything is sent.
    const input = `kind: Llm\nname: before\ntype: ollama\nmodel: m\nurl: http://127.0.0.1:11434\n---\nkind: Llm\nname: nope\nmodel: m\n`;
    expect(await mcpctl(['apply', '-f', '-'], { input })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: stdin: document 2 (llm/nope): no LLM nope yet, and creating one needs type, model and url (missing: type, url)\n',
    });
    expect((await mcpctl(['get', 'llm', 'before'])).code).toBe(1);
  });

  it('names the document whose change mcpd refuses, and still applies the others', async () => {
    const file = join(home.path, 'mixed.yaml');
    const llm = (name: string): string => ['kind: Llm', `name: ${name}`, 'type: ollama', 'model: m', 'url: http://127.0.0.1:11434'].join('\n');
    // An agent named as the LLM it names: only mcpd, as it writes the agent, finds the name taken.
    await writeFile(file, [llm('mixed-a'), 'kind: Agent\nname: fake\nllm: fake', llm('mixed-b')].join('\n---\n'));
    const run = await mcpctl(['apply', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('llm/mixed-a created\nllm/mixed-b created\n');
    const [refused, summary, ...rest] = errorLines(run);
    expect(refused?.startsWith(`error: ${file}: document 2 (agent/fake): `)).toBe(true);
    expect(refused).toContain('already taken');
    expect(summary).toBe(`error: 1 of 3 documents in ${file} not applied`);
    expect(rest).toEqual([]);
    for (const name of ['mixed-a', 'mixed-b']) expect((await mcpctl(['delete', 'llm', name])).code).toBe(0);
  });

  it('describes an LLM with its lifecycle times and pool', async () => {
    const run = await mcpctl(['describe', 'llm', 'fake']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Name: +fake\n/);
    expect(run.stdout).toMatch(/\nKind: +public\n/);
    expect(run.stdout).toMatch(/\nPool: +gpu \(1\/1 active: fake \(active\)\)\n/);
    expect(run.stdout).toMatch(/\nAPI key: +set\n/);
    expect(run.stdout).toMatch(/\nTransport: +-\n/);
    expect(run.stdout).toMatch(/\nLast heartbeat: +-\n/);
    expect(run.stdout).toMatch(/\nInactive since: +-\n/);
    expect(run.stdout).toMatch(/\nCreated: +\d{4}-\d\d-\d\dT[\d:.]+Z \((just now|\d+[smhd] ago)\)\n/);
  });

  it('chats in one shot, streaming through mcpd to the upstream', async () => {
    upstream.resetStats();
    const run = await mcpctl(['chat-llm', 'fake', '--message', 'Say hello', '--system', 'Be brief.']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${ANSWER}\n`);
    expect(run.stderr).toBe('Chatting with fake (openai · fake-model · public · active).\n');
    const [request] = upstream.requests.filter((recorded) => recorded.path === '/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(request?.body).toMatchObject({
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
  });

  it('chats in one shot without streaming', async () => {
    upstream.resetStats();
    const run = await mcpctl(['chat-llm', 'fake', '--message', 'Say hello', '--no-stream', '--max-tokens', '32']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${ANSWER}\n`);
    expect(chatRequests()[0]).toMatchObject({ stream: false, max_tokens: 32 });
  });

  it('keeps the conversation history across REPL lines read from a pipe', async () => {
    upstream.resetStats();
    const run = await mcpctl(['chat-llm', 'fake'], { input: 'first question\n/clear\nsecond question\nthird question\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${ANSWER}\n${ANSWER}\n${ANSWER}\n`);
    expect(run.stderr).toContain('Ctrl-D to quit.');
    expect(chatRequests().map((request) => request.messages)).toEqual([
      [{ role: 'user', content: 'first question' }],
      [{ role: 'user', content: 'second question' }],
      [
        { role: 'user', content: 'second question' },
        { role: 'assistant', content: ANSWER },
        { role: 'user', content: 'third question' },
      ],
    ]);
  });

  it('fails with one line and exit 1 for an unknown LLM', async () => {
    const run = await mcpctl(['chat-llm', 'nope', '--message', 'hi']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: "error: LLM not found: nope — run 'mcpctl get llms' to list them\n" });
    expect((await mcpctl(['describe', 'llm', 'nope'])).code).toBe(1);
  });

  it('chats with a pool by its name, and tells get llm that the name is a pool', async () => {
    const chat = await mcpctl(['chat-llm', 'gpu', '--message', 'Say hello']);
    expect(chat.code).toBe(0);
    expect(chat.stdout).toBe(`${ANSWER}\n`);
    expect(chat.stderr).toMatch(/^Chatting with pool gpu \(1 member: fake \(active\)\)\.\n/);
    const get = await mcpctl(['get', 'llm', 'gpu']);
    expect(get).toEqual({ code: 1, stdout: '', stderr: "error: gpu is a pool, not an LLM — run 'mcpctl get pool gpu'\n" });
    const describe = await mcpctl(['describe', 'llm', 'gpu']);
    expect(describe).toEqual({ code: 1, stdout: '', stderr: "error: gpu is a pool, not an LLM — run 'mcpctl describe pool gpu'\n" });
    const remove = await mcpctl(['delete', 'llm', 'gpu']);
    expect(remove).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "error: gpu is a pool, not an LLM: a pool ends when its last member leaves it (delete the members, or clear their poolName) — run 'mcpctl describe pool gpu' to see its members\n",
    });
  });

  it('reports an upstream failure as one line and exit 1', async () => {
    upstream.setBehavior({ fail: { status: 500, message: 'the GPU caught fire' }, failCount: 1 });
    const run = await mcpctl(['chat-llm', 'fake', '--message', 'hi']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(errorLines(run).filter((line) => line.startsWith('error: '))).toHaveLength(1);
    expect(errorLines(run).at(-1)).toMatch(/^error: .*the GPU caught fire/);
  });

  it('counts the chats above in get usage, as a table and as JSON', async () => {
    const table = await mcpctl(['get', 'usage', '--by', 'llm', '--since', '1h']);
    expect(table.code).toBe(0);
    expect(table.stderr).toMatch(/^usage by llm, everyone's requests, \S+ to \S+\n$/);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^LLM\s+REQUESTS\s+ERRORS\s+PROMPT-TOKENS\s+COMPLETION-TOKENS\s+P50\s+P95\s+TTFT-P50$/);
    const fake = rows.find((row) => row.startsWith('fake '))?.split(/\s+/);
    expect(Number(fake?.[1])).toBeGreaterThanOrEqual(2);

    const json = await mcpctl(['get', 'usage', '--by', 'user', '-o', 'json']);
    const report = JSON.parse(json.stdout) as { by: string; scope: string; rows: Array<{ key: string; requests: number }>; hours: unknown[] };
    expect(report).toMatchObject({ kind: 'Usage', by: 'user', scope: 'everyone' });
    expect(report.rows.find((row) => row.key === 'admin')?.requests).toBeGreaterThanOrEqual(2);
    expect(report.hours.length).toBeGreaterThan(0);

    // A usage error: checked before any request.
    const bad = await mcpctl(['get', 'usage', '--since', 'last week']);
    expect(bad.code).toBe(2);
    expect(errorLines(bad)).toEqual([expect.stringMatching(/^error: --since last week: give a duration such as 30m, 24h or 7d/)]);
  });

  it('lists the chats above in get audit, page by page, and as JSON', async () => {
    const first = await mcpctl(['get', 'audit', '--llm', 'fake', '--limit', '1']);
    expect(first.code).toBe(0);
    const [header, row, ...rest] = first.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME\s+USER\s+LLM\s+STATUS\s+LATENCY\s+TTFT\s+TOKENS\s+ERROR$/);
    expect(row).toMatch(/^\S+Z\s+admin\s+fake\s+\d{3}\s+\d+(?:\.\d)? m?s\s+/);
    expect(rest).toEqual([]);
    const hint = /^showing the newest 1; older ones: --before (\d+)\n$/.exec(first.stderr);
    expect(hint).not.toBeNull();

    const older = await mcpctl(['get', 'audit', '--llm', 'fake', '--limit', '1', '--before', hint![1]!, '-o', 'json']);
    const records = JSON.parse(older.stdout) as Array<{ id: string; llmName: string; status: number }>;
    expect(records).toHaveLength(1);
    expect(Number(records[0]!.id)).toBeLessThan(Number(hint![1]));
    expect(records[0]).toMatchObject({ llmName: 'fake', status: expect.any(Number) });

    const none = await mcpctl(['get', 'audit', '--llm', 'no-such-llm']);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('No audit records found.\n');

    // Flags are checked with the API's rules before any request: a usage error, exit 2.
    for (const limit of ['0', 'ten', '5000']) {
      const bad = await mcpctl(['get', 'audit', '--limit', limit]);
      expect(bad).toEqual({ code: 2, stdout: '', stderr: `error: --limit ${limit}: limit is a whole number from 1 to 1000\n` });
    }
    expect(await mcpctl(['get', 'audit', '--status', '999'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: --status 999: status is ok, error, or an HTTP status from 100 to 599\n',
    });
    expect((await mcpctl(['get', 'audit', '--since', '5x'])).stderr).toMatch(/^error: --since 5x: give a duration such as 30m, 24h or 7d/);
    expect((await mcpctl(['get', 'audit', '--status', 'error', '--since', '1h', '--limit', '5'])).code).toBe(0);
  });

  it('exits 2 on a bad flag', async () => {
    const run = await mcpctl(['get', 'llms', '--colour']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--colour'\n" });
  });

  it("shares a virtual LLM by applying its edited YAML, sending only what its owner may change", async () => {
    const response = await fetch(`${mcpd.url}/api/v1/llms/_provider-register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providers: [{ name: 'desk', type: 'openai', model: 'desk-model' }] }),
    });
    expect(response.status).toBe(201);
    const yaml = (await mcpctl(['get', 'llm', 'desk', '-o', 'yaml'])).stdout;
    expect(yaml).toMatch(/^# virtual LLM published by mcplocal: apply changes only visibility, description, tier; the rest is set in its mcplocal config\.json\n/);
    expect(yaml).toContain('\nurl: null\n');
    expect(yaml).toContain('\nvisibility: private\n');

    const shared = yaml.replace('\nvisibility: private\n', '\nvisibility: public\n');
    expect(await mcpctl(['apply', '-f', '-'], { input: shared })).toEqual({ code: 0, stdout: 'llm/desk configured\n', stderr: '' });
    expect(llmViewSchema.parse(JSON.parse((await mcpctl(['get', 'llm', 'desk', '-o', 'json'])).stdout))).toMatchObject({ kind: 'virtual', visibility: 'public' });
    expect(await mcpctl(['apply', '-f', '-'], { input: shared })).toEqual({ code: 0, stdout: 'llm/desk unchanged\n', stderr: '' });

    // What the publisher sets is left alone, said in one line; the rest still applies.
    const edited = shared.replace('\nmodel: desk-model\n', '\nmodel: other-model\n').replace('\ndescription: null\n', '\ndescription: my desk\n');
    expect(await mcpctl(['apply', '-f', '-'], { input: edited })).toEqual({
      code: 0,
      stdout: 'llm/desk configured\n',
      stderr: "warning: stdin: document 1 (llm/desk): model is set in the publisher's mcplocal config.json, not by apply; left as it is\n",
    });
    expect(llmViewSchema.parse(JSON.parse((await mcpctl(['get', 'llm', 'desk', '-o', 'json'])).stdout))).toMatchObject({ model: 'desk-model', description: 'my desk' });
    expect((await mcpctl(['delete', 'llm', 'desk'])).code).toBe(0);
  });

  it('marks a virtual LLM in what get prints, and never registers a public one from it once it is gone', async () => {
    const response = await fetch(`${mcpd.url}/api/v1/llms/_provider-register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providers: [{ name: 'nook', type: 'openai', model: 'nook-model' }] }),
    });
    expect(response.status).toBe(201);
    const yaml = (await mcpctl(['get', 'llm', 'nook', '-o', 'yaml'])).stdout;
    expect(yaml).toMatch(/\n\nkind: Llm\nvirtual: true\nid: /);
    const json = (await mcpctl(['get', 'llm', 'nook', '-o', 'json'])).stdout;
    expect(await mcpctl(['apply', '-f', '-'], { input: yaml })).toEqual({ code: 0, stdout: 'llm/nook unchanged\n', stderr: '' });
    expect(await mcpctl(['apply', '-f', '-'], { input: json })).toEqual({ code: 0, stdout: 'llm/nook unchanged\n', stderr: '' });

    // Gone: refused, naming what to do, and the file's other documents wait with it.
    expect((await mcpctl(['delete', 'llm', 'nook'])).code).toBe(0);
    const file = join(home.path, 'saved-llms.yaml');
    await writeFile(file, `kind: Llm\nname: bystander\ntype: ollama\nmodel: m\nurl: http://127.0.0.1:11434\n---\n${yaml}`);
    const unpublished = 'LLM nook is virtual and not published now (mcpd shows you no LLM of that name) — start the mcplocal whose config.json lists it and apply again';
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 2 (llm/nook): ${unpublished}, or remove virtual: true and set url to create a public LLM of that name\n`,
    });
    expect(await mcpctl(['apply', '-f', '-'], { input: json })).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: stdin: document 1 (llm/nook): ${unpublished}, or change kind: virtual to kind: Llm and set url to create a public LLM of that name\n`,
    });
    // Two such documents in one file: both named in one run, then how many; nothing sent.
    const nook2 = yaml.replaceAll('nook', 'nook-two');
    await writeFile(file, `kind: Llm\nname: bystander\ntype: ollama\nmodel: m\nurl: http://127.0.0.1:11434\n---\n${yaml}---\n${nook2}`);
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        `error: ${file}: document 2 (llm/nook): ${unpublished}, or remove virtual: true and set url to create a public LLM of that name`,
        `error: ${file}: document 3 (llm/nook-two): ${unpublished.replaceAll('nook', 'nook-two')}, or remove virtual: true and set url to create a public LLM of that name`,
        `error: 2 of 3 documents in ${file} refused; nothing was applied`,
        '',
      ].join('\n'),
    });
    for (const name of ['nook', 'bystander']) expect((await mcpctl(['get', 'llm', name])).code).toBe(1);

    // A public LLM of that name: the marked document updates it, its url: null keeping the URL.
    expect((await mcpctl(['create', 'llm', 'nook', '--type', 'openai', '--model', 'nook-model', '--url', upstream.openaiBaseUrl])).code).toBe(0);
    const warning = (marker: string): string =>
      `warning: stdin: document 1 (llm/nook): the document says ${marker}, but LLM nook is public: applying it as a public LLM (no mcplocal can publish nook while it exists; to let one publish it again, delete the public LLM with mcpctl delete llm nook)\n`;
    expect(await mcpctl(['apply', '-f', '-'], { input: yaml })).toEqual({ code: 0, stdout: 'llm/nook configured\n', stderr: warning('virtual: true') });
    const now = (await mcpctl(['get', 'llm', 'nook', '-o', 'json'])).stdout;
    expect(llmViewSchema.parse(JSON.parse(now))).toMatchObject({ kind: 'public', url: upstream.openaiBaseUrl, visibility: 'private' });
    expect(await mcpctl(['apply', '-f', '-'], { input: json })).toEqual({ code: 0, stdout: 'llm/nook unchanged\n', stderr: warning('kind: virtual') });
    // The public LLM's own output applies back cleanly.
    expect(await mcpctl(['apply', '-f', '-'], { input: (await mcpctl(['get', 'llm', 'nook', '-o', 'yaml'])).stdout })).toEqual({
      code: 0,
      stdout: 'llm/nook unchanged\n',
      stderr: '',
    });
    expect(await mcpctl(['apply', '-f', '-'], { input: now })).toEqual({ code: 0, stdout: 'llm/nook unchanged\n', stderr: '' });
    expect((await mcpctl(['delete', 'llm', 'nook'])).code).toBe(0);
  });

  it("lists publishers' sessions by their reference, connected or not, as a table and as JSON", async () => {
    const admin = { authorization: `Bearer ${mcpd.adminToken}` };
    const registered = await fetch(`${mcpd.url}/api/v1/llms/_provider-register`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ providers: [{ name: 'laptop', type: 'openai', model: 'laptop-model' }] }),
    });
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    const streamOpen = new AbortController();
    const stream = await fetch(`${mcpd.url}/api/v1/llms/_provider-stream`, {
      headers: { ...admin, accept: 'text/event-stream', 'x-mcpctl-provider-session': providerSessionId },
      signal: streamOpen.signal,
    });
    expect(stream.status).toBe(200);
    const listed = async () => providerSessionViewSchema.array().parse(JSON.parse((await mcpctl(['get', 'sessions', '-o', 'json'])).stdout));
    const laptop = async () => (await listed()).find((session) => session.llms.includes('laptop'));
    try {
      await vi.waitFor(async () => expect(await laptop()).toMatchObject({ connected: true }), { timeout: 5000 });
      const shown = await laptop();
      expect(shown).toMatchObject({ owner: 'admin', connected: true, transport: 'sse', llms: ['laptop'] });
      expect(JSON.stringify(await listed())).not.toContain(providerSessionId);

      const table = await mcpctl(['get', 'sessions']);
      expect(table.code).toBe(0);
      const [header, ...lines] = table.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
      expect(header).toEqual(['SESSION', 'USER', 'CONNECTED', 'TRANSPORT', 'SINCE', 'LAST-SEEN', 'LLMS']);
      const row = lines.find((line) => line[6] === 'laptop');
      expect(row?.slice(0, 4)).toEqual([shown?.ref, 'admin', 'yes', 'SSE + POST']);
      expect(row?.[4]).toMatch(/^(just now|\d+s ago)$/);
      expect((await mcpctl(['get', 'sessions', '--user', 'nobody'])).stderr).toBe('No publisher sessions found.\n');

      const described = await mcpctl(['describe', 'session', shown!.ref]);
      expect(described.code).toBe(0);
      expect(described.stdout).toMatch(new RegExp(`^Session: +${shown!.ref}\\nUser: +admin\\nConnected: +yes, over SSE \\+ POST\\n`));
      expect(described.stdout).toMatch(/\nLLMs: +1\n +laptop: +active · laptop-model · private\n$/);
      expect((await mcpctl(['describe', 'session', '000000000000'])).stderr).toBe("error: session not found: 000000000000 — run 'mcpctl get sessions' to list them\n");

      // One session by the reference describe llm shows, and a clear miss.
      const one = await mcpctl(['get', 'session', shown!.ref, '-o', 'json']);
      expect(providerSessionViewSchema.parse(JSON.parse(one.stdout))).toEqual(shown);
      expect(await mcpctl(['get', 'session', '000000000000'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "error: session not found: 000000000000 — run 'mcpctl get sessions' to list them\n",
      });
    } finally {
      streamOpen.abort();
    }
    await vi.waitFor(async () => expect(await laptop()).toMatchObject({ connected: false, transport: null, connectedAt: null }), { timeout: 5000 });
    expect((await mcpctl(['delete', 'llm', 'laptop'])).code).toBe(0);
  });

  it('deletes an LLM', async () => {
    expect(await mcpctl(['delete', 'llm', 'other'])).toEqual({ code: 0, stdout: 'llm/other deleted\n', stderr: '' });
    const again = await mcpctl(['delete', 'llm', 'other']);
    expect(again).toEqual({ code: 1, stdout: '', stderr: "error: LLM not found: other — run 'mcpctl get llms' to list them\n" });
  });

  it('lets MCPCTL_TOKEN override the stored token', async () => {
    const run = await mcpctl(['get', 'llms'], { env: { MCPCTL_TOKEN: 'wrong-token' } });
    expect(run.code).toBe(1);
    expect(errorLines(run)).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: .* — check the token, or run 'mcpctl login --url URL --token -'\n$/);
  });
});
