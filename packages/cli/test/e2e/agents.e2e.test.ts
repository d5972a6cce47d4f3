import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makeTempDir, spawnMcpd, startFakeUpstream, type FakeUpstream, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { agentViewSchema, threadDetailViewSchema, threadViewSchema } from '@mcpctl/protocol';
import { MCPCTL_MAIN, runMcpctl, type McpctlRun } from '../helpers/run-mcpctl.js';
import { findExecutable, runShell } from '../helpers/shells.js';

/*
 * Agents and threads end to end: the real mcpd with its embedded database, a fake upstream
 * that answers with the conversation it received (so the test sees the system prompt and
 * the thread history that reached it), and the built mcpctl. The tests run in order.
 */

const SYSTEM_PROMPT = 'You are a terse reviewer.';

let dataDir: TempDir;
let home: TempDir;
let mcpd: SpawnedMcpd;
let upstream: FakeUpstream;
/** The thread the first chat started. */
let threadId = '';

beforeAll(async () => {
  dataDir = await makeTempDir('mcpctl-agents-data');
  home = await makeTempDir('mcpctl-agents-home');
  upstream = await startFakeUpstream({ echo: true });
  mcpd = await spawnMcpd({ dataDir: dataDir.path });
  expect((await mcpctl(['login', '--url', mcpd.url, '--token', mcpd.adminToken])).code).toBe(0);
  const llm = await mcpctl(['create', 'llm', 'echo', '--type', 'openai', '--model', 'fake-model', '--url', upstream.openaiBaseUrl]);
  expect(llm).toEqual({ code: 0, stdout: 'llm/echo created\n', stderr: '' });
});

afterAll(async () => {
  await mcpd?.stop();
  await upstream?.close();
  await home?.cleanup();
  await dataDir?.cleanup();
});

function mcpctl(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<McpctlRun> {
  return runMcpctl(args, { env: { MCPCTL_HOME: home.path, ...options.env }, ...(options.input === undefined ? {} : { input: options.input }) });
}

/** The conversations the upstream received, in order. */
function upstreamConversations(): unknown[] {
  return upstream.requests.filter((request) => request.path === '/v1/chat/completions').map((request) => (request.body as { messages: unknown }).messages);
}

function threadLine(agent: string, id: string): string {
  return `Thread: ${id} (continue with: mcpctl chat ${agent} --thread ${id})`;
}

describe('agents and threads against a real mcpd', () => {
  it('creates an agent with its system prompt from a file and typed default parameters', async () => {
    const promptFile = join(home.path, 'prompt.txt');
    await writeFile(promptFile, `${SYSTEM_PROMPT}\n`);
    const run = await mcpctl([
      'create', 'agent', 'reviewer', '--llm', 'echo', '--system-prompt-file', promptFile, '--description', 'reviews code',
      '--project', 'platform', '--param', 'temperature=0.2', '--param', 'stop=["END"]', '--param', 'reasoning_effort=low',
    ]);
    expect(run).toEqual({ code: 0, stdout: 'agent/reviewer created\n', stderr: '' });
    const again = await mcpctl(['create', 'agent', 'reviewer', '--llm', 'echo']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .* — change it with 'mcpctl apply -f FILE'\n$/);
    // A name another kind holds is not this agent to change: pick another.
    const clash = await mcpctl(['create', 'agent', 'echo', '--llm', 'echo']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toBe('error: the name echo is already taken by an LLM: LLMs, agents and pools share one namespace — pick another name\n');
    // A default parameter that looks misspelt is created as written, with a word about it.
    const typo = await mcpctl(['create', 'agent', 'typo', '--llm', 'echo', '--param', 'tempreature=0.5']);
    expect(typo).toEqual({
      code: 0,
      stdout: 'agent/typo created\n',
      stderr: 'warning: agent typo: defaultParams.tempreature is no parameter mcpctl knows; did you mean temperature? It is sent to the model server as written\n',
    });
    expect((await mcpctl(['delete', 'agent', 'typo'])).code).toBe(0);
  });

  it('lists it as a table, wide, JSON and YAML', async () => {
    const table = await mcpctl(['get', 'agents']);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'KIND', 'STATUS', 'VISIBILITY', 'LLM', 'PROJECT', 'DESCRIPTION', 'ID']);
    expect(row?.split(/\s{2,}/).slice(0, 7)).toEqual(['reviewer', 'public', 'active', 'public', 'echo', 'platform', 'reviews code']);
    const wide = await mcpctl(['get', 'agent', 'reviewer', '-o', 'wide']);
    expect(wide.stdout.split('\n')[1]).toMatch(/ {3}admin {3}reasoning_effort=low,stop=\["END"\],temperature=0\.2$/);

    const view = agentViewSchema.parse(JSON.parse((await mcpctl(['get', 'agent', 'reviewer', '-o', 'json'])).stdout));
    expect(view).toMatchObject({ systemPrompt: SYSTEM_PROMPT, defaultParams: { temperature: 0.2, stop: ['END'], reasoning_effort: 'low' } });
    const yaml = await mcpctl(['get', 'agents', '-o', 'yaml']);
    const { kind: _kind, ...fields } = view;
    expect(parseAllDocuments(yaml.stdout).map((document) => document.toJS() as unknown)).toEqual([{ kind: 'Agent', ...fields }]);
  });

  it('describes it with the system prompt in full', async () => {
    const run = await mcpctl(['describe', 'agent', 'reviewer']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Name: +reviewer\n/);
    expect(run.stdout).toMatch(/\nLLM: +echo\n/);
    expect(run.stdout).toMatch(/\nDefault params: +reasoning_effort: low\n +stop: \["END"\]\n +temperature: 0\.2\n/);
    expect(run.stdout.endsWith(`System prompt:\n  ${SYSTEM_PROMPT}\n`)).toBe(true);
  });

  it('chats in one shot through the agent, naming the new thread', async () => {
    upstream.resetStats();
    const run = await mcpctl(['chat', 'reviewer', '--message', 'first question']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`system: ${SYSTEM_PROMPT}\nuser: first question\n`);
    const [header, thread, ...rest] = run.stderr.trimEnd().split('\n');
    expect(header).toBe('Chatting with agent reviewer (llm echo · active).');
    expect(rest).toEqual([]);
    threadId = /^Thread: (\S+) /.exec(thread ?? '')?.[1] ?? '';
    expect(thread).toBe(threadLine('reviewer', threadId));
    // The agent's default parameters reached the upstream.
    expect(upstream.requests.at(-1)?.body).toMatchObject({ temperature: 0.2, stop: ['END'], reasoning_effort: 'low' });
  });

  it('continues the thread: only the new message is sent, mcpd prepends the history', async () => {
    upstream.resetStats();
    const run = await mcpctl(['chat', 'reviewer', '--thread', threadId, '--message', 'second question', '--temperature', '0.5']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`Chatting with agent reviewer (llm echo · active).\n${threadLine('reviewer', threadId)}\n`);
    const firstAnswer = `system: ${SYSTEM_PROMPT}\nuser: first question`;
    expect(upstreamConversations()).toEqual([
      [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: firstAnswer },
        { role: 'user', content: 'second question' },
      ],
    ]);
    expect(run.stdout).toBe(`system: ${SYSTEM_PROMPT}\nuser: first question\nassistant: ${firstAnswer}\nuser: second question\n`);
    // The request's own value wins over the agent's default.
    expect(upstream.requests.at(-1)?.body).toMatchObject({ temperature: 0.5 });
  });

  it('keeps one thread per REPL session, and /clear starts another', async () => {
    upstream.resetStats();
    const run = await mcpctl(['chat', 'reviewer', '--no-stream'], { input: 'one\ntwo\n/clear\nthree\n' });
    expect(run.code).toBe(0);
    expect(upstreamConversations()).toEqual([
      [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: 'one' }],
      [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: 'one' },
        { role: 'assistant', content: `system: ${SYSTEM_PROMPT}\nuser: one` },
        { role: 'user', content: 'two' },
      ],
      [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: 'three' }],
    ]);
    const previous = /\(new thread; the previous one was (\S+)\)/.exec(run.stderr)?.[1];
    const last = /Thread: (\S+) \(continue with/.exec(run.stderr)?.[1];
    expect(previous).toBeDefined();
    expect(last).toBeDefined();
    expect(last).not.toBe(previous);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(threadLine('reviewer', last ?? ''));
  });

  it('lists and describes the threads', async () => {
    const table = await mcpctl(['get', 'threads']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['ID', 'AGENT', 'TITLE', 'MESSAGES', 'UPDATED']);
    expect(lines).toHaveLength(4);
    const first = lines.find((line) => line.startsWith(threadId));
    expect(first?.split(/\s{2,}/).slice(0, 4)).toEqual([threadId, 'reviewer', 'first question', '4']);
    const listed = threadViewSchema.array().parse(JSON.parse((await mcpctl(['get', 'threads', '-o', 'json'])).stdout));
    expect(listed.map((thread) => thread.id)).toContain(threadId);
    const detail = threadDetailViewSchema.parse(JSON.parse((await mcpctl(['get', 'thread', threadId, '-o', 'json'])).stdout));
    expect(detail.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    const described = await mcpctl(['describe', 'thread', threadId]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(new RegExp(`^ID: +${threadId}\\nAgent: +reviewer\\nTitle: +first question\\nMessages: +4\\n`));
    const headings = described.stdout.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
    expect(headings.map((line) => line.split('  ').slice(1, 2)[0])).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(headings[1]).toMatch(/ {2}assistant {2}\(\d+ prompt \+ \d+ completion tokens\)$/);
    // Each message's content follows its heading, indented, every line of it.
    const output = described.stdout.split('\n');
    const [userHeading, assistantHeading] = headings.map((heading) => output.indexOf(heading));
    expect(output[(userHeading ?? 0) + 1]).toBe('  first question');
    expect(output.slice((assistantHeading ?? 0) + 1, (assistantHeading ?? 0) + 3)).toEqual([`  system: ${SYSTEM_PROMPT}`, '  user: first question']);
  });

  it('applies get -o yaml and -o json output back unchanged, and documents that change it', async () => {
    const yaml = await mcpctl(['get', 'agent', 'reviewer', '-o', 'yaml']);
    expect(await mcpctl(['apply', '-f', '-'], { input: yaml.stdout })).toEqual({ code: 0, stdout: 'agent/reviewer unchanged\n', stderr: '' });
    // JSON views of LLMs and agents both say `kind: public`; apply tells them apart.
    const json = `[${(await mcpctl(['get', 'agents', '-o', 'json'])).stdout}, ${(await mcpctl(['get', 'llms', '-o', 'json'])).stdout}]`;
    // LLMs are sent before agents, whatever the file's order: an agent names its LLM.
    expect(await mcpctl(['apply', '-f', '-'], { input: json })).toEqual({ code: 0, stdout: 'llm/echo unchanged\nagent/reviewer unchanged\n', stderr: '' });

    const file = join(home.path, 'agents.yaml');
    await writeFile(
      file,
      ['kind: Agent', 'name: reviewer', 'llm: echo', 'defaultParams:', '  temperature: 0.3', '---', 'kind: Agent', 'name: other', 'llm: echo', 'systemPrompt: Another agent.', ''].join('\n'),
    );
    expect(await mcpctl(['apply', '-f', file])).toEqual({ code: 0, stdout: 'agent/reviewer configured\nagent/other created\n', stderr: '' });
    const reviewer = agentViewSchema.parse(JSON.parse((await mcpctl(['get', 'agent', 'reviewer', '-o', 'json'])).stdout));
    // Fields the document left out are kept.
    expect(reviewer).toMatchObject({ systemPrompt: SYSTEM_PROMPT, project: 'platform', defaultParams: { temperature: 0.3 } });
    expect((await mcpctl(['apply', '-f', file])).stdout).toBe('agent/reviewer unchanged\nagent/other unchanged\n');
  });

  it('applies to a virtual agent only what its owner may change, and says what its publisher sets', async () => {
    const response = await fetch(`${mcpd.url}/api/v1/llms/_provider-register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        providers: [{ name: 'local-echo', type: 'openai', model: 'fake-model' }],
        agents: [{ name: 'local-helper', llmName: 'local-echo', systemPrompt: 'Local.' }],
      }),
    });
    expect(response.status).toBe(201);
    const yaml = await mcpctl(['get', 'agent', 'local-helper', '-o', 'yaml']);
    expect(yaml.stdout.startsWith('# virtual agent published by mcplocal: apply changes only visibility, description;')).toBe(true);
    const repinned = await mcpctl(['apply', '-f', '-'], { input: 'kind: Agent\nname: local-helper\nllm: echo\n' });
    expect(repinned).toEqual({
      code: 0,
      stdout: 'agent/local-helper unchanged\n',
      stderr: "warning: stdin: document 1 (agent/local-helper): llm is set in the publisher's mcplocal config.json, not by apply; left as it is\n",
    });
    const shared = yaml.stdout.replace('\nvisibility: private\n', '\nvisibility: public\n');
    expect(await mcpctl(['apply', '-f', '-'], { input: shared })).toEqual({ code: 0, stdout: 'agent/local-helper configured\n', stderr: '' });
    expect(agentViewSchema.parse(JSON.parse((await mcpctl(['get', 'agent', 'local-helper', '-o', 'json'])).stdout))).toMatchObject({
      kind: 'virtual',
      llm: 'local-echo',
      visibility: 'public',
    });
  });

  it('marks a virtual agent in what get prints, applies it back unchanged, and never creates one from it once it is gone', async () => {
    const yaml = (await mcpctl(['get', 'agent', 'local-helper', '-o', 'yaml'])).stdout;
    expect(yaml).toMatch(/\n\nkind: Agent\nvirtual: true\nid: /);
    const json = (await mcpctl(['get', 'agent', 'local-helper', '-o', 'json'])).stdout;
    expect(await mcpctl(['apply', '-f', '-'], { input: yaml })).toEqual({ code: 0, stdout: 'agent/local-helper unchanged\n', stderr: '' });
    expect(await mcpctl(['apply', '-f', '-'], { input: json })).toEqual({ code: 0, stdout: 'agent/local-helper unchanged\n', stderr: '' });

    // Gone (GC'd after its publisher stopped, or deleted): only its publisher may create it again.
    // The whole file is refused before anything is sent, as for any document that cannot apply.
    expect((await mcpctl(['delete', 'agent', 'local-helper'])).code).toBe(0);
    const file = join(home.path, 'saved-agents.yaml');
    await writeFile(file, `kind: Agent\nname: bystander\nllm: echo\n---\n${yaml}`);
    const unpublished = 'agent local-helper is virtual and not published now (mcpd shows you no agent of that name) — start the mcplocal whose config.json lists it and apply again';
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 2 (agent/local-helper): ${unpublished}, or remove virtual: true to create a public agent of that name\n`,
    });
    expect(await mcpctl(['apply', '-f', '-'], { input: json })).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: stdin: document 1 (agent/local-helper): ${unpublished}, or change kind: virtual to kind: Agent to create a public agent of that name\n`,
    });
    for (const name of ['local-helper', 'bystander']) expect((await mcpctl(['get', 'agent', name])).code).toBe(1);

    // Without the marker it is a public agent's document, as the hint says.
    const unmarked = yaml.replace('\nvirtual: true\n', '\n');
    expect(await mcpctl(['apply', '-f', '-'], { input: unmarked })).toEqual({ code: 0, stdout: 'agent/local-helper created\n', stderr: '' });
    // A marked document then applies to that public agent as any public document does, with a word about the name.
    const warning = (marker: string): string =>
      `warning: stdin: document 1 (agent/local-helper): the document says ${marker}, but agent local-helper is public: applying it as a public agent (no mcplocal can publish local-helper while it exists; to let one publish it again, delete the public agent with mcpctl delete agent local-helper)\n`;
    expect(await mcpctl(['apply', '-f', '-'], { input: yaml })).toEqual({ code: 0, stdout: 'agent/local-helper unchanged\n', stderr: warning('virtual: true') });
    const reworded = json.replace('"systemPrompt": "Local."', '"systemPrompt": "Still local."');
    expect(await mcpctl(['apply', '-f', '-'], { input: reworded })).toEqual({ code: 0, stdout: 'agent/local-helper configured\n', stderr: warning('kind: virtual') });
    const now = (await mcpctl(['get', 'agent', 'local-helper', '-o', 'json'])).stdout;
    expect(agentViewSchema.parse(JSON.parse(now))).toMatchObject({ kind: 'public', llm: 'local-echo', systemPrompt: 'Still local.' });
    // And the public agent's own output applies back cleanly.
    expect(await mcpctl(['apply', '-f', '-'], { input: (await mcpctl(['get', 'agent', 'local-helper', '-o', 'yaml'])).stdout })).toEqual({
      code: 0,
      stdout: 'agent/local-helper unchanged\n',
      stderr: '',
    });
    expect(await mcpctl(['apply', '-f', '-'], { input: now })).toEqual({ code: 0, stdout: 'agent/local-helper unchanged\n', stderr: '' });
  });

  it('refuses a thread of another agent, and an unknown one', async () => {
    const other = await mcpctl(['chat', 'other', '--thread', threadId, '--message', 'hi']);
    expect(other).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: thread ${threadId} is a conversation with agent reviewer, not other — continue it with 'mcpctl chat reviewer --thread ${threadId}'\n`,
    });
    const unknown = await mcpctl(['chat', 'reviewer', '--thread', 'thr_nope', '--message', 'hi']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: "error: thread not found: thr_nope — run 'mcpctl get threads' to list them\n" });
    const noAgent = await mcpctl(['chat', 'nobody', '--message', 'hi']);
    expect(noAgent).toEqual({ code: 1, stdout: '', stderr: "error: agent not found: nobody — run 'mcpctl get agents' to list them\n" });
    // The other chat command's kind of name is pointed at it, both ways.
    expect(await mcpctl(['chat', 'echo', '--message', 'hi'])).toEqual({ code: 1, stdout: '', stderr: "error: echo is an LLM, not an agent — run 'mcpctl chat-llm echo'\n" });
    expect(await mcpctl(['chat-llm', 'reviewer', '--message', 'hi'])).toEqual({ code: 1, stdout: '', stderr: "error: reviewer is an agent, not an LLM — run 'mcpctl chat reviewer'\n" });
    expect((await mcpctl(['create', 'llm', 'duo-one', '--type', 'openai', '--model', 'fake-model', '--url', upstream.openaiBaseUrl, '--pool', 'duo'])).code).toBe(0);
    expect(await mcpctl(['chat', 'duo', '--message', 'hi'])).toEqual({ code: 1, stdout: '', stderr: "error: duo is a pool, not an agent — run 'mcpctl chat-llm duo'\n" });
    expect((await mcpctl(['delete', 'llm', 'duo-one'])).code).toBe(0);
  });

  it('completes names through the server, and quietly nothing without access', async () => {
    expect(await mcpctl(['__complete', 'agent', 'r'])).toEqual({ code: 0, stdout: 'reviewer\n', stderr: '' });
    expect((await mcpctl(['__complete', 'thread', ''])).stdout.split('\n')).toContain(threadId);
    expect((await mcpctl(['__complete', 'llm', ''])).stdout).toBe('echo\nlocal-echo\n');
    const failing: Array<Record<string, string>> = [{ MCPCTL_TOKEN: 'wrong' }, { MCPCTL_HOME: join(home.path, 'nowhere') }, { MCPCTL_URL: 'http://127.0.0.1:9' }];
    for (const env of failing) {
      expect(await mcpctl(['__complete', 'agent', ''], { env })).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    expect(await mcpctl(['__complete', 'widget', ''])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  const bash = findExecutable('bash');
  it(`completes agent names in bash through the CLI${bash === undefined ? ' (bash is not installed here: only __complete is checked)' : ''}`, async () => {
    const script = (await mcpctl(['completion', 'bash'])).stdout;
    expect(script).toContain('__complete "$kind" "$cur"');
    if (bash === undefined) return;
    const scriptFile = join(home.path, 'mcpctl.bash');
    await writeFile(scriptFile, script);
    // The script calls back into whatever the user typed as the command: here a wrapper around the built CLI.
    const wrapper = join(home.path, 'mcpctl');
    await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${MCPCTL_MAIN}" "$@"\n`);
    await chmod(wrapper, 0o755);
    const complete = async (words: string[]): Promise<string> => {
      const run = await runShell(
        bash,
        ['--norc', '--noprofile', '-c', `source "$1" && COMP_WORDS=("$2" ${words.map((word) => `'${word}'`).join(' ')}) && COMP_CWORD=${words.length} && _mcpctl && echo "\${COMPREPLY[*]}"`, 'bash', scriptFile, wrapper],
        { MCPCTL_HOME: home.path },
      );
      expect(run.stderr).toBe('');
      return run.stdout.trimEnd();
    };
    expect(await complete(['get', 'agent', 'r'])).toBe('reviewer');
    expect((await complete(['chat', ''])).split(' ').sort()).toEqual(['local-helper', 'other', 'reviewer']);
    expect(await complete(['create', 'agent', 'x', '--llm', 'loc'])).toBe('local-echo');
    expect(await complete(['chat', 'reviewer', '--thread', threadId.slice(0, 6)])).toContain(threadId);
  });

  it('deletes a thread and an agent', async () => {
    expect(await mcpctl(['delete', 'thread', threadId])).toEqual({ code: 0, stdout: `thread/${threadId} deleted\n`, stderr: '' });
    expect((await mcpctl(['describe', 'thread', threadId])).stderr).toBe(`error: thread not found: ${threadId} — run 'mcpctl get threads' to list them\n`);
    expect(await mcpctl(['delete', 'agent', 'other'])).toEqual({ code: 0, stdout: 'agent/other deleted\n', stderr: '' });
    expect(await mcpctl(['delete', 'agent', 'other'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: agent not found: other — run 'mcpctl get agents' to list them\n",
    });
  });

  it('shows an agent whose LLM left its name, keeps it off the name\'s new owner, and points it there only when made again', async () => {
    const api = async (path: string, body: unknown, token = mcpd.adminToken) =>
      fetch(`${mcpd.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await mcpctl(['create', 'llm', 'desk', '--type', 'openai', '--model', 'fake-model', '--url', upstream.openaiBaseUrl])).code).toBe(0);
    expect((await mcpctl(['create', 'agent', 'pinned', '--llm', 'desk'])).code).toBe(0);
    expect((await mcpctl(['delete', 'llm', 'desk'])).code).toBe(0);
    const gone = await mcpctl(['chat', 'pinned', '--message', 'hi']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('agent pinned is pointed at LLM desk, which is not an LLM you can see (deleted, or private)');
    expect((await mcpctl(['describe', 'agent', 'pinned'])).stdout).toMatch(/^LLM:\s+desk \(gone\)$/m);
    expect((await mcpctl(['describe', 'agent', 'pinned'])).stdout).toMatch(/^What to do:\s+desk is not an LLM you can see \(deleted, or private\): its owner can point it at another LLM or pool /m);

    // Another user takes the name: the agent sends nothing there, and says so in every view.
    expect((await api('/api/v1/users', { name: 'mallory' })).status).toBe(201);
    const { token } = (await (await api('/api/v1/tokens', { user: 'mallory' })).json()) as { token: string };
    expect((await api('/api/v1/llms/_provider-register', { providers: [{ name: 'desk', type: 'openai', model: 'm', visibility: 'public' }] }, token)).status).toBe(201);
    const row = (await mcpctl(['get', 'agents'])).stdout.split('\n').find((line) => line.startsWith('pinned '));
    expect(row?.split(/\s{2,}/)[4]).toBe('desk (moved)');
    expect((await mcpctl(['describe', 'agent', 'pinned'])).stdout).toMatch(/^What to do:\s+desk now names something other than what the agent was pinned to: /m);
    const moved = await mcpctl(['chat', 'pinned', '--message', 'my secret']);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain("another owner's LLM has taken that name since, so the agent sends nothing there");

    // A routine apply of the same document does not take mallory's LLM on; it says how to.
    expect(await mcpctl(['apply', '-f', '-'], { input: 'kind: Agent\nname: pinned\nllm: desk\n' })).toEqual({
      code: 0,
      stdout: 'agent/pinned unchanged\n',
      stderr:
        "warning: stdin: document 1 (agent/pinned): llm desk now names another owner's LLM, so the agent sends nothing there; to point it at what the name means now, delete the agent (mcpctl delete agent pinned) and apply it again\n",
    });
    expect(agentViewSchema.parse(JSON.parse((await mcpctl(['get', 'agent', 'pinned', '-o', 'json'])).stdout)).llmState).toBe('moved');
    expect((await mcpctl(['delete', 'agent', 'pinned'])).code).toBe(0);
    expect((await mcpctl(['apply', '-f', '-'], { input: 'kind: Agent\nname: pinned\nllm: desk\n' })).stdout).toBe('agent/pinned created\n');
    expect(agentViewSchema.parse(JSON.parse((await mcpctl(['get', 'agent', 'pinned', '-o', 'json'])).stdout)).llmState).toBe('pinned');
  });
});
