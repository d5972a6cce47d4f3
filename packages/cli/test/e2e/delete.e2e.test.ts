import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentViewSchema, llmViewSchema, roleBindingViewSchema, userViewSchema } from '@mcpctl/protocol';
import { startLoggedInMcpd, type LoggedInMcpd } from '../helpers/logged-in-mcpd.js';
import { documentsFile } from '../helpers/run-mcpctl.js';

/*
 * `delete` of several names and `delete -f`: the built mcpctl against mcpd as a child process.
 * Each test makes the resources it deletes.
 */

let world: LoggedInMcpd;

beforeAll(async () => {
  world = await startLoggedInMcpd('delete');
});

afterAll(async () => {
  await world?.close();
});

/** mcpctl as admin (the stored login), or as someone else with `token`. */
const mcpctl: LoggedInMcpd['mcpctl'] = (args, options) => world.mcpctl(args, options);

const writeDocuments = (name: string, texts: readonly string[]) => documentsFile(world.home.path, name, texts);

const llm = (name: string) => `kind: Llm\nname: ${name}\ntype: openai\nmodel: fake-model\nurl: http://203.0.113.10:8000/v1\n`;

async function names(kind: 'llms' | 'agents' | 'users' | 'rolebindings'): Promise<string[]> {
  const schema = { llms: llmViewSchema, agents: agentViewSchema, users: userViewSchema, rolebindings: roleBindingViewSchema }[kind];
  return schema.array().parse(JSON.parse((await mcpctl(['get', kind, '-o', 'json'])).stdout)).map((view) => view.name);
}

async function createLlms(...llmNames: string[]): Promise<void> {
  expect((await mcpctl(['apply', '-f', await writeDocuments('llms.yaml', llmNames.map(llm))])).code).toBe(0);
}

describe('delete RESOURCE NAME…', () => {
  it('deletes each name, reports one mcpd does not know on its own line, and says how many were not deleted', async () => {
    await createLlms('one', 'two');
    const result = await mcpctl(['delete', 'llm', 'one', 'nope', 'two']);
    expect(result).toEqual({
      code: 1,
      stdout: 'llm/one deleted\nllm/two deleted\n',
      stderr: "error: llm/nope: LLM not found: nope — run 'mcpctl get llms' to list them\nerror: 1 of 3 llms not deleted\n",
    });
    expect(await names('llms')).toEqual([]);
  });

  it('deletes a name given twice once', async () => {
    await createLlms('twice');
    expect(await mcpctl(['delete', 'llms', 'twice', 'twice'])).toEqual({ code: 0, stdout: 'llm/twice deleted\n', stderr: '' });
  });

  it('reports every name a member may not delete, naming each, and deletes none of them', async () => {
    await createLlms('kept-a', 'kept-b');
    expect((await mcpctl(['create', 'user', 'vic'])).code).toBe(0);
    const token = (await mcpctl(['create', 'token', '--user', 'vic', '--name', 'desk'])).stdout.trim();
    const result = await mcpctl(['delete', 'llm', 'kept-a', 'kept-b'], { token });
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^error: llm\/kept-a: /);
    expect(lines[1]).toMatch(/^error: llm\/kept-b: /);
    expect(lines[2]).toBe('error: 2 of 2 llms not deleted');
    expect(await names('llms')).toEqual(expect.arrayContaining(['kept-a', 'kept-b']));
    expect((await mcpctl(['delete', 'llm', 'kept-a', 'kept-b'])).code).toBe(0);
    expect((await mcpctl(['delete', 'user', 'vic'])).code).toBe(0);
  });

  it('says a misspelt resource is unknown, as for every other command', async () => {
    expect(await mcpctl(['delete', 'llmz', 'x'])).toEqual({ code: 2, stdout: '', stderr: "error: unknown command 'llmz' (did you mean llm?)\n" });
    expect(await mcpctl(['delete'])).toEqual({ code: 2, stdout: '', stderr: "error: say what to delete: 'mcpctl delete RESOURCE NAME…' or 'mcpctl delete -f FILE'\n" });
  });
});

describe('delete -f FILE', () => {
  const team = [
    'kind: User\nname: erin\n',
    llm('team-llm'),
    'kind: Agent\nname: team-agent\nllm: team-llm\n',
    'kind: RoleBinding\nname: erin-views\nsubjectKind: user\nsubjectName: erin\nrole: viewer\n',
  ];

  it("deletes what apply -f made from the same file, in the reverse of apply's order, and reports what is already gone", async () => {
    const file = await writeDocuments('team.yaml', team);
    expect((await mcpctl(['apply', '-f', file])).code).toBe(0);
    expect(await mcpctl(['delete', '-f', file])).toEqual({
      code: 0,
      stdout: 'rolebinding/erin-views deleted\nagent/team-agent deleted\nllm/team-llm deleted\nuser/erin deleted\n',
      stderr: '',
    });
    expect([await names('llms'), await names('agents'), await names('rolebindings')]).toEqual([[], [], []]);
    expect(await names('users')).not.toContain('erin');
    const again = await mcpctl(['delete', '-f', file]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain(`error: ${file}: document 2 (llm/team-llm): LLM not found: team-llm`);
    expect(again.stderr.trimEnd().split('\n').at(-1)).toBe(`error: 4 of 4 documents in ${file} not deleted`);
  });

  it('deletes nothing while a document is bad, and names every bad one', async () => {
    await createLlms('stays');
    const file = await writeDocuments('bad.yaml', [llm('stays'), 'kind: Pool\nname: gpus\n', 'kind: Llm\ntype: openai\n']);
    expect(await mcpctl(['delete', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        `error: ${file}: document 2 is kind Pool: delete -f takes only User, Llm, Agent, RoleBinding`,
        `error: ${file}: document 3 has no name: delete -f deletes what a document names`,
        `error: 2 of 3 documents in ${file} refused; nothing was deleted`,
        '',
      ].join('\n'),
    });
    expect(await names('llms')).toContain('stays');
    expect(await mcpctl(['delete', '-f', file, 'llm', 'stays'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: -f names what to delete by itself: give either 'delete -f FILE' or 'delete RESOURCE NAME…', not both\n",
    });
    expect((await mcpctl(['delete', 'llm', 'stays'])).code).toBe(0);
  });
});
