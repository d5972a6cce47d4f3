import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/run-cli.js';
import { runInProcess, startStandInMcpd } from '../helpers/stand-in-mcpd.js';
import { CapturedStream } from '../helpers/captured-stream.js';
import { llmView } from '../helpers/llm-view.js';
import { answerStatus } from '../helpers/stand-in-status.js';

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const code = await runCli(args, { stdin: Readable.from([]), stdout, stderr, env: { MCPCTL_HOME: '/nonexistent/mcpctl', ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

// A port nothing listens on: usage errors must fail before any request is sent.
const unusedServer = { MCPCTL_URL: '', MCPCTL_TOKEN: 't' };

/**
 * An mcpd holding nothing, answering reads as mcpd does (404 with its error body): apply plans the
 * documents that passed their own check against it. Any write it receives is kept, and must not come.
 */
const emptyMcpd = { env: { MCPCTL_URL: '', MCPCTL_TOKEN: 't' }, writes: [] as string[] };

beforeAll(async () => {
  const mcpd = createHttpServer((request, response) => {
    request.resume();
    if (answerStatus(request, response)) return;
    if (request.method !== 'GET') emptyMcpd.writes.push(`${request.method ?? ''} ${request.url ?? ''}`);
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: `not found: ${request.url ?? ''}` }));
  });
  await new Promise<void>((resolve) => mcpd.listen(0, '127.0.0.1', resolve));
  emptyMcpd.env.MCPCTL_URL = `http://127.0.0.1:${(mcpd.address() as AddressInfo).port}`;
  return () => {
    mcpd.closeAllConnections();
    return new Promise<void>((resolve) => mcpd.close(() => resolve()));
  };
});

afterEach(() => {
  expect(emptyMcpd.writes).toEqual([]);
});

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  unusedServer.MCPCTL_URL = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

describe('help', () => {
  it.each([
    [['describe', '--help'], 'Usage: mcpctl describe RESOURCE NAME'],
    [['describe', 'llms', '-h'], 'Usage: mcpctl describe llm|llms [options] <name>'],
    [['help', 'describe'], 'Usage: mcpctl describe RESOURCE NAME'],
    [['create', 'llm', 'x', '--help'], 'Usage: mcpctl create llm [options] <name>'],
  ])('%j prints the help of the command named, and exits 0', async (args, expected) => {
    const result = await run(args, unusedServer);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(expected)).toBe(true);
  });
});

describe('usage errors exit 2 with one line on stderr', () => {
  it.each([
    [['get', 'llms', '--bogus'], "error: unknown option '--bogus'"],
    [['get', 'widgets'], "error: unknown command 'widgets'"],
    [['get', 'models', '-o', 'json'], "error: mcpctl has no resource type 'models': a model name is an LLM ('mcpctl get llms'), an agent ('get agents') or a pool ('get pools')"],
    [['chat', 'reviewer', '--thread', ''], "error: option '--thread <id>' argument '' is invalid. expected a value, got an empty string"],
    [['delete', 'pool', 'gpus'], "error: a pool is not deleted by itself: it is the LLMs whose poolName names it, and it ends when the last of them leaves ('mcpctl describe pool NAME' lists them; 'mcpctl delete llm MEMBER', or 'poolName: null' in a document for 'mcpctl apply -f')"],
    [['get', 'llms', '--outptu', 'json'], "error: unknown option '--outptu' (did you mean --output?)"],
    [['describe', 'llm', 'qwen3', '-o', 'json'], "error: describe prints for people; for json run 'mcpctl get llm qwen3 -o json'"],
    [['describe', 'pools', 'gpu', '--output', 'yaml'], "error: describe prints for people; for yaml run 'mcpctl get pool gpu -o yaml'"],
    [['gett', 'llms'], "error: unknown command 'gett' (did you mean get?)"],
    // The help of a command that does not exist is no help: not the parent's, with exit 0.
    [['describe', 'usage', '--help'], "error: unknown command 'usage'"],
    [['nosuch', '-h'], "error: unknown command 'nosuch'"],
    [['describe', 'llmz', '--help'], "error: unknown command 'llmz' (did you mean one of llm, llms?)"],
    [['get', 'llms', '-o', 'xml'], "error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, wide, json, yaml."],
    [['chat-llm', 'x', '--temperature', '5'], "error: option '--temperature <n>' argument '5' is invalid. expected a number from 0 to 2"],
    [['chat-llm', 'x', '-m', ''], "error: option '-m, --message <text>' argument '' is invalid. the message is empty; write one, or leave --message out to chat in turns"],
    [['chat', 'reviewer', '--message', '  '], "error: option '-m, --message <text>' argument '  ' is invalid. the message is empty; write one, or leave --message out to chat in turns"],
    [['create', 'llm', 'x', '--type', 'openai', '--model', 'm'], "error: required option '--url <url>' not specified"],
    // An unknown option is named, with the one it is near, before a required option it may have meant is missed.
    [['create', 'llm', 'x', '--typ', 'openai', '--model', 'm', '--url', 'http://u'], "error: unknown option '--typ' (did you mean --type?)"],
    [['create', 'llm', 'x', '--model', 'm', '--url', 'http://u'], "error: required option '--type <type>' not specified"],
    [['login', '--url', 'http://x', '--tokn', 't'], "error: unknown option '--tokn' (did you mean --token?)"],
    [['create', 'agent', 'a', '--lm', 'b'], "error: unknown option '--lm' (did you mean --llm?)"],
    [['create', 'agent', 'a'], "error: required option '--llm <name>' not specified"],
    [['apply', '--filenme', 'x'], "error: unknown option '--filenme' (did you mean --filename?)"],
    [
      ['create', 'llm', 'x', '--type', 'openai', '--model', 'm', '--url', 'http://u', '--api-key'],
      "error: the key is not taken on the command line, where shell history and 'ps' keep it: put it in an environment variable and name that with --api-key-env VAR",
    ],
    [
      ['create', 'llm', 'x', '--type', 'openai', '--model', 'm', '--url', 'http://u', '--api-key', 'sk-live-1'],
      "error: the key is not taken on the command line, where shell history and 'ps' keep it: put it in an environment variable and name that with --api-key-env VAR",
    ],
    [
      ['create', 'llm', 'x', '--type', 'openai', '--model', 'm', '--url', 'http://u', '--api-key-env', 'NOPE_KEY'],
      'error: environment variable NOPE_KEY (named by --api-key-env) is not set or empty',
    ],
    [['create', 'llm', 'Bad_Name', '--type', 'openai', '--model', 'm', '--url', 'http://u'], 'error: invalid LLM Bad_Name: name: a name uses'],
    [['login', '--url', 'ftp://x', '--token', 't'], 'error: --url ftp://x must start with http:// or https://'],
    [['get', 'audit', '--status', '999'], 'error: --status 999: status is ok, error, or an HTTP status from 100 to 599\n'],
    [['create', 'agent', 'a', '--llm', 'b', '--param', 'temperature=hot'], 'error: invalid agent a: defaultParams: temperature: must be a number, not a string'],
    [['create', 'agent', 'a', '--llm', 'b', '--param', 'stream=true'], "error: invalid agent a: defaultParams cannot set stream: a chat sets it itself (the agent's llm, the caller's messages and choice of streaming)"],
    [['get', 'usage', '--since', 'last week'], 'error: --since last week: give a duration such as 30m, 24h or 7d, or an ISO 8601 time with its zone such as 2026-12-01T00:00:00Z\n'],
    [['get', 'usage', '--since', '1h', '--until', '2h'], 'error: --since and --until: since ('],
    [['get', 'audit', '--since', '1h', '--until', '3h'], 'error: --since and --until: since ('],
    [['get', 'usage', '--until', '5x'], 'error: --until 5x: give a duration such as 30m, 24h or 7d, or an ISO 8601 time with its zone such as 2026-12-01T00:00:00Z\n'],
    [['get', 'audit', '--status', 'bad'], 'error: --status bad: status is ok, error, or an HTTP status from 100 to 599\n'],
    [['get', 'audit', '--since', '5x'], 'error: --since 5x: give a duration such as 30m, 24h or 7d, or an ISO 8601 time with its zone such as 2026-12-01T00:00:00Z\n'],
    [['get', 'audit', '--until', '400d'], 'error: --until 400d: reaches back more than 366 days\n'],
    [['get', 'audit', '--limit', '5000'], 'error: --limit 5000: limit is a whole number from 1 to 1000\n'],
    [['get', 'audit', '--limit', 'ten'], 'error: --limit ten: limit is a whole number from 1 to 1000\n'],
    [['get', 'audit', '--before', 'x'], 'error: --before x: before is the id of a record (a whole number above 0)\n'],
  ])('%j', async (args, expected) => {
    const result = await run(args, unusedServer);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.startsWith(expected)).toBe(true);
  });

  it('rejects an apply document of unknown kind, naming its index, and sends nothing', async () => {
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const code = await runCli(['apply', '-f', '-'], {
      stdin: Readable.from(['kind: Llm\nname: a\ntype: openai\nmodel: m\nurl: http://x\n---\nkind: Widget\nname: b\n']),
      stdout,
      stderr,
      env: emptyMcpd.env,
    });
    expect(code).toBe(2);
    expect(stderr.text).toBe("error: stdin: document 2 has unknown kind 'Widget' (known kinds: User, Llm, Agent, RoleBinding)\n");
  });

  it('says why apply does not take a kind get prints, such as a token or a pool, and names the kind a near miss means', async () => {
    const input = '[{"kind": "Token", "name": "laptop", "user": "alice"}, {"kind": "Pool", "name": "qwen3"}, {"kind": "llm", "name": "q"}]';
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const code = await runCli(['apply', '-f', '-'], { stdin: Readable.from([input]), stdout, stderr, env: emptyMcpd.env });
    expect(code).toBe(2);
    expect(stderr.text).toBe(
      [
        'error: stdin: document 1 is kind Token: tokens are made with `mcpctl create token`, not with apply',
        'error: stdin: document 2 is kind Pool: pools are read-only: members join with poolName',
        "error: stdin: document 3 has unknown kind 'llm' (did you mean Llm? known kinds: User, Llm, Agent, RoleBinding)",
        'error: 3 of 3 documents in stdin refused; nothing was applied',
        '',
      ].join('\n'),
    );
  });
});

describe('apply checks every document before it sends anything', () => {
  async function apply(input: string, env: Record<string, string> = emptyMcpd.env): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const code = await runCli(['apply', '-f', '-'], { stdin: Readable.from([input]), stdout, stderr, env: { MCPCTL_HOME: '/nonexistent/mcpctl', ...env } });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it("refuses a document past one of mcpd's bounds, naming the input, the document and the bound", async () => {
    const documents = ['first-ok', 'second', 'third'].map((name, index) =>
      [`kind: Llm`, `name: ${name}`, 'type: openai', 'model: m', 'url: http://x', `maxConcurrent: ${index === 1 ? 200_000 : 4}`].join('\n'),
    );
    expect(await apply(documents.join('\n---\n'))).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: stdin: document 2 (llm/second) is invalid: maxConcurrent: must be at most 100000\n',
    });
  });

  it('says a field left out is required, and a file that is not there is not there', async () => {
    expect(await apply('kind: Agent\nllm: qwen\n')).toEqual({ code: 2, stdout: '', stderr: 'error: stdin: document 1 (kind Agent) is invalid: name: is required\n' });
    const missing = await run(['apply', '-f', '/nonexistent/mcpctl/llms.yaml'], emptyMcpd.env);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'error: cannot read /nonexistent/mcpctl/llms.yaml: no such file or directory\n' });
  });

  it('reads every -f in order, a directory as its .yaml, .yml and .json files, and names the problems across them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpctl-apply-'));
    const more = join(dir, 'more');
    try {
      await mkdir(join(more, 'nested'), { recursive: true });
      await writeFile(join(more, 'b.yaml'), 'kind: Llm\nname: b\ntype: openai\nmodel: m\nurl: http://x\nmaxConcurrent: 200000\n');
      await writeFile(join(more, 'a.yml'), 'kind: Widget\nname: w\n');
      await writeFile(join(more, 'notes.txt'), 'not a document');
      // A subdirectory is not read; a symbolic link to a file is, as in a mounted ConfigMap.
      await writeFile(join(more, 'nested', 'c.yaml'), 'kind: Widget\nname: nested\n');
      await writeFile(join(dir, 'target.yaml'), 'kind: User\nname: linked\nrole: bogus\n');
      await symlink(join(dir, 'target.yaml'), join(more, 'c-link.yaml'));
      await writeFile(join(dir, 'one.json'), '{"kind": "Llm", "name": "b", "type": "openai", "model": "m", "url": "http://x"}');
      await writeFile(join(dir, 'broken.yaml'), 'kind: [Llm\n');
      const result = await run(['apply', '-f', join(dir, 'broken.yaml'), '-f', more, '-f', join(dir, 'one.json')], emptyMcpd.env);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^error: ${join(dir, 'broken.yaml')}: YAML document 1 is invalid: `));
      expect(lines.filter((line) => line.startsWith('error: ') && !line.startsWith(`error: ${join(dir, 'broken.yaml')}`))).toEqual([
        `error: ${join(more, 'a.yml')}: document 1 has unknown kind 'Widget' (known kinds: User, Llm, Agent, RoleBinding)`,
        `error: ${join(more, 'b.yaml')}: document 1 (llm/b) is invalid: maxConcurrent: must be at most 100000`,
        expect.stringMatching(new RegExp(`^error: ${join(more, 'c-link.yaml')}: document 1 \\(user/linked\\) is invalid: role: `)),
        `error: 4 of 5 documents in ${join(dir, 'broken.yaml')}, ${more} and ${join(dir, 'one.json')} refused; nothing was applied`,
      ]);
      // The same file by another path, or a directory and a file in it, is read once.
      await writeFile(join(more, 'b.yaml'), 'kind: Llm\nname: b\ntype: openai\nmodel: m\nurl: http://x\n');
      await writeFile(join(more, 'a.yml'), '');
      await rm(join(more, 'c-link.yaml'));
      const twice = await run(['apply', '-f', more, '-f', join(dir, 'more', '.', 'b.yaml'), '-f', join(dir, 'one.json')], emptyMcpd.env);
      expect(twice).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${join(more, 'b.yaml')}: document 1 and ${join(dir, 'one.json')}: document 1 both describe llm/b; merge them into one\n`,
      });
      await mkdir(join(dir, 'empty'));
      expect(await run(['apply', '-f', join(dir, 'empty')], emptyMcpd.env)).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${join(dir, 'empty')} is a directory with no .yaml, .yml or .json file in it; name the files to apply\n`,
      });
      expect((await run(['apply', '-f', '-', '-f', '-'], emptyMcpd.env)).stderr).toBe('error: -f - reads stdin, which can be read only once; give it one time\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses two documents for one resource', async () => {
    const document = 'kind: Llm\nname: a\ntype: openai\nmodel: m\nurl: http://x\n';
    expect(await apply(`${document}---\nkind: User\nname: a\n---\n${document}`)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: stdin: documents 1 and 3 both describe llm/a; merge them into one\n',
    });
  });

  it('names every document with a problem in one run, then how many, and sends nothing', async () => {
    const llm = (name: string, extra = '') => `kind: Llm\nname: ${name}\ntype: openai\nmodel: m\nurl: http://x\n${extra}`;
    const input = [llm('ok'), llm('big', 'maxConcurrent: 200000\n'), 'kind: Widget\nname: w\n', llm('ok'), llm('fine')].join('---\n');
    expect(await apply(input)).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        'error: stdin: document 2 (llm/big) is invalid: maxConcurrent: must be at most 100000',
        "error: stdin: document 3 has unknown kind 'Widget' (known kinds: User, Llm, Agent, RoleBinding)",
        'error: stdin: documents 1 and 4 both describe llm/ok; merge them into one',
        'error: 3 of 5 documents in stdin refused; nothing was applied',
        '',
      ].join('\n'),
    });
  });

  it('names the documents only what mcpd holds refuses beside those that failed their own check, in the order of the file', async () => {
    const input = [
      'kind: Llm\nname: Bad_Name\ntype: openai\nmodel: m\nurl: http://x\n',
      'kind: Llm\nname: nomodel\ntype: openai\n',
      'kind: Llm\nname: ftp\ntype: openai\nmodel: m\nurl: ftp://x\n',
      'kind: Llm\nname: nourl\ntype: openai\nmodel: m\nvisiblity: private\n',
      'kind: Llm\nname: nourl2\ntype: openai\nmodel: m\n',
    ].join('---\n');
    const result = await apply(input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^error: stdin: document 1 \(llm\/Bad_Name\) is invalid: name: /);
    expect(lines[1]).toBe('error: stdin: document 2 (llm/nomodel): no LLM nomodel yet, and creating one needs type, model and url (missing: model, url)');
    expect(lines[2]).toMatch(/^error: stdin: document 3 \(llm\/ftp\) is invalid: url: /);
    expect(lines[3]).toBe('error: stdin: document 4 (llm/nourl) has unknown field visiblity (did you mean visibility?); correct it or remove it');
    expect(lines[4]).toBe('error: stdin: document 5 (llm/nourl2): no LLM nourl2 yet, and creating one needs type, model and url (missing: url)');
    expect(lines[5]).toBe('error: 5 of 5 documents in stdin refused; nothing was applied');
  });

  it('names the documents that failed their own check, then why mcpd could not be asked about the others, still as bad input', async () => {
    const input = ['kind: Widget\nname: w\n', 'kind: Llm\nname: a\ntype: openai\nmodel: m\nurl: http://x\n'].join('---\n');
    for (const env of [unusedServer, { MCPCTL_URL: '', MCPCTL_TOKEN: '' }]) {
      const result = await apply(input, env);
      expect(result.code).toBe(2);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe("error: stdin: document 1 has unknown kind 'Widget' (known kinds: User, Llm, Agent, RoleBinding)");
      expect(lines[1]).toMatch(/^error: 1 of 2 documents in stdin refused; mcpd could not be asked about the others \((cannot reach mcpd|not logged in).*\); nothing was applied$/);
      expect(lines).toHaveLength(2);
    }
  });

  it('says what a plan warns of only once the changes go', async () => {
    // mcpd holds a public LLM `pub`; a document marked virtual updates it, with a warning.
    const pub = llmView({ name: 'pub', model: 'm', url: 'http://x/v1' });
    const mcpd = createHttpServer((request, response) => {
      request.resume();
      response.setHeader('content-type', 'application/json');
      if (answerStatus(request, response)) return;
      if (request.url === '/api/v1/llms/pub') response.end(JSON.stringify(pub));
      else response.writeHead(404).end(JSON.stringify({ error: 'not found' }));
    });
    await new Promise<void>((resolve) => mcpd.listen(0, '127.0.0.1', resolve));
    try {
      const env = { MCPCTL_URL: `http://127.0.0.1:${(mcpd.address() as AddressInfo).port}`, MCPCTL_TOKEN: 't' };
      const marked = 'kind: Llm\nname: pub\nvirtual: true\ntype: openai\nmodel: m2\n';
      const refused = await apply(`${marked}---\nkind: Widget\nname: w\n`, env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe("error: stdin: document 2 has unknown kind 'Widget' (known kinds: User, Llm, Agent, RoleBinding)\n");
      const applied = await apply(marked, env);
      expect(applied.stderr).toMatch(/^warning: stdin: document 1 \(llm\/pub\): /);
      expect(applied.stdout).toBe('llm/pub configured\n');
    } finally {
      mcpd.closeAllConnections();
      await new Promise<void>((resolve) => mcpd.close(() => resolve()));
    }
  });

  it('still names the documents refused so far when a failure that is not about a document ends the run', async () => {
    // mcpd refuses to show the first LLM (403), then refuses the token itself (401).
    const answers = [403, 401];
    const mcpd = createHttpServer((request, response) => {
      request.resume();
      const status = answers.shift() ?? 500;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: status === 403 ? 'you may not read llm a' : 'the token is not valid' }));
    });
    await new Promise<void>((resolve) => mcpd.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = mcpd.address() as AddressInfo;
      const stdout = new CapturedStream();
      const stderr = new CapturedStream();
      const llm = (name: string) => `kind: Llm\nname: ${name}\ntype: openai\nmodel: m\nurl: http://x\n`;
      const code = await runCli(['apply', '-f', '-'], {
        stdin: Readable.from([`${llm('a')}---\n${llm('b')}`]),
        stdout,
        stderr,
        env: { MCPCTL_URL: `http://127.0.0.1:${port}`, MCPCTL_TOKEN: 't', MCPCTL_HOME: '/nonexistent/mcpctl' },
      });
      expect(code).toBe(1);
      const lines = stderr.text.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: stdin: document 1 \(llm\/a\): .*you may not read llm a/);
      expect(lines[1]).toMatch(/token is not valid/);
      expect(stdout.text).toBe('');
    } finally {
      mcpd.closeAllConnections();
      await new Promise<void>((resolve) => mcpd.close(() => resolve()));
    }
  });

  it('checks what the documents refer to against lists it reads once per run', async () => {
    // mcpd shows the LLMs echo and m1 (of pool gpus), and the user dana, to an admin.
    const reads = new Map<string, number>();
    const writes: string[] = [];
    const lists: Record<string, unknown> = {
      '/api/v1/llms': [llmView({ name: 'echo' }), llmView({ name: 'm1', poolName: 'gpus' })],
      '/api/v1/users': [{ id: 'user_2', name: 'dana', groups: [], role: 'member', createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:00.000Z' }],
      '/api/v1/status': { user: { id: 'user_1', name: 'admin', admin: true, role: 'admin', grants: ['*'] }, server: { version: '1', database: 'embedded', uptimeSeconds: 1 } },
    };
    const mcpd = await startStandInMcpd((request, response) => {
      const path = request.url ?? '';
      if (request.method !== 'GET') writes.push(`${request.method ?? ''} ${path}`);
      reads.set(path, (reads.get(path) ?? 0) + 1);
      if (path in lists) response.end(JSON.stringify(lists[path]));
      else response.writeHead(404).end(JSON.stringify({ error: `not found: ${path}` }));
    });
    try {
      const agent = (name: string, llm: string) => `kind: Agent\nname: ${name}\nllm: ${llm}\n`;
      const binding = (name: string, subject: string) => `kind: RoleBinding\nname: ${name}\nsubjectKind: user\nsubjectName: ${subject}\nrole: viewer\n`;
      const input = [agent('a1', 'echo'), agent('a2', 'gpus'), agent('a3', 'nope'), agent('a4', 'nope2'), binding('b1', 'dana'), binding('b2', 'x1'), binding('b3', 'x2')];
      expect(await apply(input.join('---\n'), mcpd.env)).toEqual({
        code: 2,
        stdout: '',
        stderr: [
          'error: stdin: document 3 (agent/a3): llm: nope is neither an LLM nor a pool you can see',
          'error: stdin: document 4 (agent/a4): llm: nope2 is neither an LLM nor a pool you can see',
          'error: stdin: document 6 (rolebinding/b2): no user is named x1; create the user first (mcpctl create user x1), then bind it',
          'error: stdin: document 7 (rolebinding/b3): no user is named x2; create the user first (mcpctl create user x2), then bind it',
          'error: 4 of 7 documents in stdin refused; nothing was applied',
          '',
        ].join('\n'),
      });
      expect([reads.get('/api/v1/llms'), reads.get('/api/v1/users'), reads.get('/api/v1/status')]).toEqual([1, 1, 1]);
      expect(writes).toEqual([]);
    } finally {
      await mcpd.close();
    }
  });

  it('shows where a YAML syntax error is, under the error line', async () => {
    const result = await apply('kind: Llm\nname: a\ntype: openai\nmodel: m\nurl: http://x: y\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: stdin: YAML document 1 is invalid: Nested mappings are not allowed in compact mappings at line 5, column 6:\n  url: http://x: y\n       ^\n');
  });
});

describe('login without a token', () => {
  it('says where a token may come from when neither --token nor MCPCTL_TOKEN gives one', async () => {
    const result = await run(['login', '--url', 'http://x']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: required option '--token <token>' not specified — give the token, '--token -' to read it from stdin, or set MCPCTL_TOKEN\n",
    });
  });
});

describe('a command sent to a server that is not mcpd', () => {
  it('says its answer is not what mcpd sends, and what to check', async () => {
    const other = await startStandInMcpd((_request, response) => response.end('{"object":"list","data":[]}'));
    try {
      const result = await runInProcess(['get', 'llms'], other.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: unexpected answer from mcpd to GET \/api\/v1\/llms: .* — is this mcpd's address and port\?\n$/);
    } finally {
      await other.close();
    }
  });
});

describe('a server that answers 404 with words like mcpd\'s', () => {
  it('is asked its status before a 404 is taken for a missing resource: apply sends nothing, get and delete say there is no mcpd', async () => {
    const seen: string[] = [];
    const other = await startStandInMcpd((request, response) => {
      seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
      response.statusCode = 404;
      response.end('{"error":"not found"}');
    });
    const dir = await mkdtemp(join(tmpdir(), 'mcpctl-not-mcpd-'));
    try {
      const file = join(dir, 'llm.yaml');
      await writeFile(file, 'kind: Llm\nname: keyed\ntype: openai\nmodel: m\nurl: http://model.internal:8000/v1\napiKeyEnv: THE_KEY\n');
      const url = other.env.MCPCTL_URL ?? '';
      const applied = await runInProcess(['apply', '-f', file], { ...other.env, THE_KEY: 'sk-secret-value' });
      expect(applied.code).toBe(1);
      expect(applied.stderr).toBe(
        `error: mcpd could not be asked about the documents in ${file} (no mcpd at ${url}: GET /api/v1/llms/keyed answered 404 (not found)); nothing was applied — is this mcpd's address and port?\n`,
      );
      expect(seen.every((line) => line.startsWith('GET '))).toBe(true);
      expect(seen).toContain('GET /api/v1/status');
      const got = await runInProcess(['get', 'llm', 'keyed'], other.env);
      expect(got).toEqual({ code: 1, stdout: '', stderr: `error: no mcpd at ${url}: GET /api/v1/llms/keyed answered 404 (not found) — is this mcpd's address and port?\n` });
      // A change goes only to a server that answered its status as mcpd does: nothing is sent.
      const deleted = await runInProcess(['delete', 'llm', 'keyed'], other.env);
      expect(deleted).toEqual({ code: 1, stdout: '', stderr: `error: no mcpd at ${url}: GET /api/v1/status answered 404 (not found) — is this mcpd's address and port?\n` });
      const created = await runInProcess(['create', 'llm', 'keyed', '--type', 'openai', '--model', 'm', '--url', 'http://model.internal:8000/v1', '--api-key-env', 'THE_KEY'], { ...other.env, THE_KEY: 'sk-secret-value' });
      expect(created.code).toBe(1);
      expect(created.stderr).toContain(`no mcpd at ${url}`);
      expect(seen.filter((line) => !line.startsWith('GET '))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await other.close();
    }
  });
});

describe('a server that accepts the connection and never answers', () => {
  it('ends the command after MCPCTL_REQUEST_TIMEOUT with one line saying so; a malformed value is a usage error', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const startedAt = Date.now();
      const stuck = await run(['get', 'llms'], { MCPCTL_URL: url, MCPCTL_TOKEN: 't', MCPCTL_REQUEST_TIMEOUT: '1s' });
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(stuck).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: mcpd at ${url} did not answer GET /api/v1/llms within 1 s — is mcpd stuck or overloaded? MCPCTL_REQUEST_TIMEOUT sets how long to wait (2m, or 0 for as long as it takes)\n`,
      });
      expect(await run(['get', 'llms'], { MCPCTL_URL: url, MCPCTL_TOKEN: 't', MCPCTL_REQUEST_TIMEOUT: 'soon' })).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error: MCPCTL_REQUEST_TIMEOUT soon is not a duration — give a whole number and a unit, such as 30s, 2m or 1h, or 0 to wait as long as it takes\n',
      });
      expect(await run(['get', 'llms'], { MCPCTL_URL: url, MCPCTL_TOKEN: 't', MCPCTL_REQUEST_TIMEOUT: '1000h' })).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error: MCPCTL_REQUEST_TIMEOUT 1000h is more than a day — give at most 24h, or 0 to wait as long as it takes\n',
      });
    } finally {
      await new Promise<void>((resolve) => {
        silent.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    }
  });
});

describe('a server that sends the head of its answer, then stops', () => {
  it('ends the command after MCPCTL_REQUEST_TIMEOUT of silence in the body, and lets a slow body that keeps coming finish', async () => {
    const env = { MCPCTL_TOKEN: 't', MCPCTL_REQUEST_TIMEOUT: '1s' };
    const halted = await startStandInMcpd((request, response) => {
      if (answerStatus(request, response)) return;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[');
    });
    // Five pieces 300 ms apart: 1.2 s in all, never 1 s without a byte.
    const trickling = await startStandInMcpd((request, response) => {
      if (answerStatus(request, response)) return;
      response.writeHead(200, { 'content-type': 'application/json' });
      const pieces = ['[', ' ', ' ', ' ', ']'];
      response.write(pieces.shift());
      const next = setInterval(() => {
        response.write(pieces.shift());
        if (pieces.length > 0) return;
        clearInterval(next);
        response.end();
      }, 300);
    });
    try {
      const url = halted.env.MCPCTL_URL ?? '';
      expect(await run(['get', 'llms'], { ...env, MCPCTL_URL: url })).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: mcpd at ${url} stopped sending its answer to GET /api/v1/llms for 1 s — is mcpd stuck or overloaded? MCPCTL_REQUEST_TIMEOUT sets how long to wait (2m, or 0 for as long as it takes)\n`,
      });
      // A reason phrase fetch takes but a Response may not be made with: still the server's answer, not an unreachable server.
      const odd = createServer((socket) => {
        socket.once('data', (request: Buffer) => {
          const status = JSON.stringify({ user: { id: 'u0', name: 'admin', admin: true }, server: { version: '1.0.0', database: 'embedded', uptimeSeconds: 5 } });
          socket.end(
            request.toString('latin1').startsWith('GET /api/v1/status ')
              ? `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${status.length}\r\n\r\n${status}`
              : 'HTTP/1.1 502 Bad\x01Gateway\r\ncontent-length: 0\r\n\r\n',
          );
        });
      });
      await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
      try {
        const oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
        expect(await run(['get', 'llms'], { ...env, MCPCTL_URL: oddUrl })).toEqual({ code: 1, stdout: '', stderr: 'error: HTTP 502 Bad\\x01Gateway from GET /api/v1/llms\n' });
      } finally {
        await new Promise<void>((resolve) => odd.close(() => resolve()));
      }
      // An empty list is said on stderr, which keeps stdout for what a script reads.
      expect(await run(['get', 'llms'], { ...env, MCPCTL_URL: trickling.env.MCPCTL_URL ?? '' })).toEqual({ code: 0, stdout: '', stderr: 'No LLMs found.\n' });
    } finally {
      await Promise.all([halted.close(), trickling.close()]);
    }
  });
});

describe('a 404 whose server cannot be asked its status', () => {
  it("fails with the status's own failure, neither as not found nor as no mcpd", async () => {
    const seen: string[] = [];
    const proxy = await startStandInMcpd((request, response) => {
      seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
      if (request.url === '/api/v1/status') {
        response.writeHead(502, { 'content-type': 'text/html' });
        response.end('<html>502 Bad Gateway</html>');
        return;
      }
      response.statusCode = 404;
      response.end('{"error":"LLM not found: keyed"}');
    });
    try {
      const got = await runInProcess(['get', 'llm', 'keyed'], proxy.env);
      expect(got).toEqual({ code: 1, stdout: '', stderr: 'error: HTTP 502 Bad Gateway from GET /api/v1/status\n' });
      // Before a change: the same answer, and the change is not sent.
      expect(await runInProcess(['delete', 'llm', 'keyed'], proxy.env)).toMatchObject({ code: 1, stderr: expect.stringContaining('HTTP 502 Bad Gateway from GET /api/v1/status') });
      expect(seen.filter((line) => !line.startsWith('GET '))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('login with MCPCTL_URL', () => {
  it('takes the URL from MCPCTL_URL when --url is not given, and asks for one when neither is', async () => {
    const other = await startStandInMcpd((_request, response) => {
      response.statusCode = 404;
      response.end('{"error":"not found"}');
    });
    try {
      const url = other.env.MCPCTL_URL ?? '';
      const fromEnv = await run(['login', '--token', 't'], { MCPCTL_HOME: '/nonexistent/mcpctl', MCPCTL_URL: url });
      expect(fromEnv).toEqual({ code: 1, stdout: '', stderr: `error: no mcpd at ${url}: GET /api/v1/status answered 404 (not found) — is this mcpd's address and port?\n` });
    } finally {
      await other.close();
    }
    const neither = await run(['login', '--token', 't'], { MCPCTL_HOME: '/nonexistent/mcpctl' });
    expect(neither).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: required option '--url <url>' not specified — give mcpd's base URL, e.g. --url http://mcpd.internal:3100, or set MCPCTL_URL\n",
    });
  });
});

describe('login to a server that is not mcpd', () => {
  it.each([
    ['answers 404', 404, '', "GET /api/v1/status answered 404 — is this mcpd's address and port?"],
    ['answers a page', 200, '/v1', "its answer to GET /api/v1/status is not mcpd's status — mcpd's base URL has no path: try --url http://127.0.0.1:PORT"],
  ])('says so when it %s', async (_what, status, path, expected) => {
    const other = createHttpServer((_request, response) => {
      response.statusCode = status;
      response.end('<html>a web page</html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}${path}`;
      const result = await run(['login', '--url', url, '--token', 't'], { MCPCTL_HOME: '/nonexistent/mcpctl' });
      expect(result).toEqual({ code: 1, stdout: '', stderr: `error: no mcpd at ${url}: ${expected.replace('PORT', String(port))}\n` });
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe('missing credentials', () => {
  it('tells the user to log in and exits 1', async () => {
    const result = await run(['get', 'llms']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: not logged in (no mcpd URL configured) — run 'mcpctl login --url URL --token -' (or set MCPCTL_URL and MCPCTL_TOKEN)\n",
    );
  });
});

describe('network failure', () => {
  it('names the server and the socket error', async () => {
    const result = await run(['get', 'llms'], unusedServer);
    expect(result.code).toBe(1);
    const { host } = new URL(unusedServer.MCPCTL_URL);
    expect(result.stderr).toBe(
      `error: cannot reach mcpd at ${unusedServer.MCPCTL_URL}: fetch failed (connect ECONNREFUSED ${host}) — is mcpd running, and listening on the port in the URL (MCPCTL_URL, or 'mcpctl login --url URL --token -')?\n`,
    );
  });

  it('points at the scheme when an https:// URL meets a server that speaks plain HTTP', async () => {
    const plain = createHttpServer((_request, response) => response.end('{}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      const result = await run(['get', 'llms'], { ...unusedServer, MCPCTL_URL: `https://127.0.0.1:${port}` });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^error: cannot reach mcpd at https://127\\.0\\.0\\.1:${port}: fetch failed \\(TLS failed: wrong version number, ERR_SSL_WRONG_VERSION_NUMBER\\) — check the scheme in the URL`),
      );
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  it('refuses a user name or password in the mcpd URL without showing it', async () => {
    const fromEnv = await run(['get', 'llms'], { ...unusedServer, MCPCTL_URL: 'http://alice:hunter2@127.0.0.1:9' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toBe('error: MCPCTL_URL must not hold a user name or password; mcpd takes the token (MCPCTL_TOKEN) alone\n');
    const login = await run(['login', '--url', 'http://alice:hunter2@127.0.0.1:9', '--token', 't']);
    expect(login.code).toBe(2);
    expect(login.stderr).toBe('error: --url must not hold a user name or password; mcpd takes the token (--token) alone\n');
  });

  it('says MCPCTL_URL is not a URL when it lacks its scheme, as login says of --url, before anything is sent (exit 2 both)', async () => {
    const fromEnv = await run(['get', 'llms'], { ...unusedServer, MCPCTL_URL: '127.0.0.1:13100' });
    expect(fromEnv).toEqual({ code: 2, stdout: '', stderr: 'error: MCPCTL_URL 127.0.0.1:13100 is not a URL — e.g. http://127.0.0.1:3100\n' });
    const otherScheme = await run(['get', 'llms'], { ...unusedServer, MCPCTL_URL: 'localhost:3100' });
    expect(otherScheme.stderr).toBe('error: MCPCTL_URL localhost:3100 must start with http:// or https://\n');
    const login = await run(['login', '--url', '127.0.0.1:13100', '--token', 't']);
    expect(login).toEqual({ code: 2, stdout: '', stderr: 'error: --url 127.0.0.1:13100 is not a URL — e.g. http://127.0.0.1:3100\n' });
  });

  it("points at the port when it is one fetch refuses, instead of asking whether mcpd runs", async () => {
    const result = await run(['get', 'llms'], { ...unusedServer, MCPCTL_URL: 'http://127.0.0.1:6000' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: cannot reach mcpd at http://127.0.0.1:6000: fetch failed (bad port) — fetch refuses this port, as browsers do: serve mcpd on another port (3100 by default) and put that one in the URL (MCPCTL_URL, or 'mcpctl login --url URL --token -')\n",
    );
  });

  it('points at the host name when it does not resolve', async () => {
    const result = await run(['get', 'llms'], { ...unusedServer, MCPCTL_URL: 'http://nosuch-host.invalid:3100' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot reach mcpd at http:\/\/nosuch-host\.invalid:3100: fetch failed \(getaddrinfo (ENOTFOUND|EAI_AGAIN) nosuch-host\.invalid\) — check the host name in the URL/);
  });
});
