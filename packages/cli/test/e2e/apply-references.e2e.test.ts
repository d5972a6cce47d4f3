import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentViewSchema, llmViewSchema, roleBindingViewSchema, userViewSchema } from '@mcpctl/protocol';
import { startLoggedInMcpd, type LoggedInMcpd } from '../helpers/logged-in-mcpd.js';
import { documentsFile } from '../helpers/run-mcpctl.js';

/*
 * What apply's documents refer to (an agent's LLM, a binding's user), checked before anything
 * is sent: the built mcpctl against mcpd as a child process, which holds the LLM `echo` and the
 * user `dana`. The tests run in order and share one mcpd.
 */

let world: LoggedInMcpd;

beforeAll(async () => {
  world = await startLoggedInMcpd('references');
  expect((await mcpctl(['create', 'llm', 'echo', '--type', 'openai', '--model', 'fake-model', '--url', world.upstream.openaiBaseUrl])).code).toBe(0);
  expect((await mcpctl(['create', 'user', 'dana'])).code).toBe(0);
});

afterAll(async () => {
  await world?.close();
});

/** mcpctl as admin (the stored login), or as someone else with `token`. */
const mcpctl: LoggedInMcpd['mcpctl'] = (args, options) => world.mcpctl(args, options);

const writeDocuments = (name: string, texts: readonly string[]) => documentsFile(world.home.path, name, texts);

const llm = (name: string, extra = '') => `kind: Llm\nname: ${name}\ntype: openai\nmodel: fake-model\nurl: http://203.0.113.10:8000/v1\n${extra}`;
const agent = (name: string, llmName: string) => `kind: Agent\nname: ${name}\nllm: ${llmName}\n`;
const binding = (name: string, subject: string) => `kind: RoleBinding\nname: ${name}\n${subject}\nrole: viewer\n`;
const user = (name: string) => `kind: User\nname: ${name}\n`;

const noLlm = (name: string) => `llm: ${name} is neither an LLM nor a pool you can see`;
const noUser = (name: string) => `no user is named ${name}; create the user first (mcpctl create user ${name}), then bind it`;

async function llmNames(): Promise<string[]> {
  return llmViewSchema.array().parse(JSON.parse((await mcpctl(['get', 'llms', '-o', 'json'])).stdout)).map((view) => view.name);
}

async function userNames(): Promise<string[]> {
  return userViewSchema.array().parse(JSON.parse((await mcpctl(['get', 'users', '-o', 'json'])).stdout)).map((view) => view.name);
}

async function bindingNames(): Promise<string[]> {
  const run = await mcpctl(['get', 'rolebindings', '-o', 'json']);
  return roleBindingViewSchema.array().parse(JSON.parse(run.stdout)).map((view) => view.name);
}

describe('apply checks what documents refer to before it sends anything', () => {
  it('refuses a file with an agent whose llm names nothing the caller can see, and creates nothing of it', async () => {
    const file = await writeDocuments('bad-llm.yaml', [llm('gpu-3'), agent('reviewer2', 'echo'), agent('reviewer3', 'no-such-llm'), agent('reviewer4', 'gpu-3')]);
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 3 (agent/reviewer3): ${noLlm('no-such-llm')}\n`,
    });
    expect(await llmNames()).toEqual(['echo']);
    expect((await mcpctl(['get', 'agents', '-o', 'json'])).stdout.trim()).toBe('[]');
  });

  it('counts an LLM, and the pool it joins, that the same file describes, even when it comes after the agent', async () => {
    const documents = [agent('reviewer', 'gpu-3'), agent('pooled', 'gpus'), llm('gpu-3', 'poolName: gpus\n'), agent('typo', 'gpu-33')];
    const file = await writeDocuments('same-file-llm.yaml', documents);
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 4 (agent/typo): ${noLlm('gpu-33')}\n`,
    });
    expect(await llmNames()).toEqual(['echo']);
    // An LLM document that is itself refused still gives its name: only its own problem is named.
    const invalid = await writeDocuments('invalid-llm.yaml', [llm('gpu-4', 'maxConcurrent: 200000\n'), agent('waiting', 'gpu-4')]);
    const refused = await mcpctl(['apply', '-f', invalid]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^error: ${invalid}: document 1 \\(llm/gpu-4\\) is invalid: maxConcurrent: [^\\n]*\\n$`));

    await writeFile(file, documents.slice(0, 3).join('---\n'));
    expect(await mcpctl(['apply', '-f', file])).toEqual({ code: 0, stdout: 'llm/gpu-3 created\nagent/reviewer created\nagent/pooled created\n', stderr: '' });
    // Pointing an agent at another LLM is checked as creating one is.
    await writeFile(file, [agent('reviewer', 'echo'), agent('pooled', 'gone-pool')].join('---\n'));
    expect((await mcpctl(['apply', '-f', file])).stderr).toBe(`error: ${file}: document 2 (agent/pooled): ${noLlm('gone-pool')}\n`);
    expect(agentViewSchema.parse(JSON.parse((await mcpctl(['get', 'agent', 'reviewer', '-o', 'json'])).stdout)).llm).toBe('gpu-3');
  });

  it('refuses a file with a binding for a user nobody is, and applies none of it', async () => {
    const file = await writeDocuments('bad-user.yaml', [binding('dana-views', 'subjectKind: user\nsubjectName: dana'), user('erin'), binding('rb-typo', 'subjectKind: user\nsubjectName: carrol')]);
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 3 (rolebinding/rb-typo): ${noUser('carrol')}\n`,
    });
    expect(await userNames()).toEqual(['admin', 'dana']);
    expect(await bindingNames()).toEqual([]);
  });

  it('counts a user that the same file creates', async () => {
    const documents = [binding('frank-views', 'subjectKind: user\nsubjectName: frank'), user('frank'), binding('frank-typo', 'subjectKind: user\nsubjectName: frnak')];
    const file = await writeDocuments('same-file-user.yaml', documents);
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 3 (rolebinding/frank-typo): ${noUser('frnak')}\n`,
    });
    expect(await userNames()).toEqual(['admin', 'dana']);
    await writeFile(file, documents.slice(0, 2).join('---\n'));
    expect(await mcpctl(['apply', '-f', file])).toEqual({ code: 0, stdout: 'user/frank created\nrolebinding/frank-views created\n', stderr: '' });
  });

  it('does not check a group: it is a label users carry, bound before anyone joins', async () => {
    const group = binding('gpu-team-views', 'subjectKind: group\nsubjectName: gpu-team');
    const file = await writeDocuments('group.yaml', [group, binding('rb-typo', 'subjectKind: user\nsubjectName: carrol')]);
    expect(await mcpctl(['apply', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file}: document 2 (rolebinding/rb-typo): ${noUser('carrol')}\n`,
    });
    expect(await bindingNames()).toEqual(['frank-views']);
    expect(await mcpctl(['apply', '-f', '-'], { input: group })).toEqual({ code: 0, stdout: 'rolebinding/gpu-team-views created\n', stderr: '' });
  });

  it('leaves the user to mcpd when the caller may not see every user', async () => {
    // rita may bind (create:rbac) but sees only herself among the users: mcpd refuses a name nobody holds when it is sent.
    expect((await mcpctl(['create', 'user', 'rita', '--role', 'viewer'])).code).toBe(0);
    expect((await mcpctl(['create', 'rolebinding', 'rita-rbac', '--user', 'rita', '--permission', 'create:rbac'])).code).toBe(0);
    const token = (await mcpctl(['create', 'token', '--user', 'rita'])).stdout.trim();
    const grant = (subject: string) => binding(`${subject}-viewer`, `subjectKind: user\nsubjectName: ${subject}`);
    expect(await mcpctl(['apply', '-f', '-'], { input: grant('dana'), token })).toEqual({ code: 0, stdout: 'rolebinding/dana-viewer created\n', stderr: '' });
    expect(await mcpctl(['apply', '-f', '-'], { input: grant('carrol'), token })).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: stdin: document 1 (rolebinding/carrol-viewer): ${noUser('carrol')}\nerror: 1 of 1 document in stdin not applied\n`,
    });
  });
});
