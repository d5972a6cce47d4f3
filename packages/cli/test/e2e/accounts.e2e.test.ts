import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { roleBindingViewSchema, tokenViewSchema, userViewSchema } from '@mcpctl/protocol';
import { startLoggedInMcpd, type LoggedInMcpd } from '../helpers/logged-in-mcpd.js';
import type { McpctlRun } from '../helpers/run-mcpctl.js';

/*
 * Users, tokens and role bindings end to end: the built mcpctl against mcpd as a child
 * process. The tests run in order and share one mcpd.
 */

let aliceToken = '';
let world: LoggedInMcpd;

beforeAll(async () => {
  world = await startLoggedInMcpd('accounts');
});

afterAll(async () => {
  await world?.close();
});

/** mcpctl as admin (the stored login), or as someone else with `token`. */
const mcpctl: LoggedInMcpd['mcpctl'] = (args, options) => world.mcpctl(args, options);

const rows = (run: McpctlRun) => run.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));

describe('mcpctl users, tokens and role bindings', () => {
  it('creates users with groups and roles, and lists them', async () => {
    expect(await mcpctl(['create', 'user', 'alice', '--group', 'ml', '--group', 'gpu'])).toEqual({ code: 0, stdout: 'user/alice created\n', stderr: '' });
    expect((await mcpctl(['create', 'user', 'vera', '--role', 'viewer'])).code).toBe(0);
    const table = rows(await mcpctl(['get', 'users']));
    expect(table[0]).toEqual(['NAME', 'ROLE', 'GROUPS', 'ID']);
    expect(table.slice(1).map((row) => row.slice(0, 3))).toEqual([
      ['admin', 'admin', '-'],
      ['alice', 'member', 'ml,gpu'],
      ['vera', 'viewer', '-'],
    ]);
    const duplicate = await mcpctl(['create', 'user', 'alice']);
    expect(duplicate).toEqual({ code: 1, stdout: '', stderr: 'error: a user named alice already exists\n' });
  });

  it('prints a new token alone on stdout, so a script can capture it', async () => {
    const run = await mcpctl(['create', 'token', '--user', 'alice', '--name', 'laptop', '--expires', '30d']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^mcpctl_[A-Za-z0-9_-]{43}\n$/);
    expect(run.stderr).toMatch(/^token\/laptop created for alice \(expires \d{4}-\d\d-\d\dT[\d:.]+Z\); it is shown only this once\n$/);
    aliceToken = run.stdout.trim();
    const status = await mcpctl(['status', '-o', 'json'], { token: aliceToken });
    expect((JSON.parse(status.stdout) as { user: unknown }).user).toMatchObject({ name: 'alice', admin: false, role: 'member' });
  });

  it("tells a member its role and what it may do in status: its role's grants and its bindings'", async () => {
    const member = await mcpctl(['status'], { token: aliceToken });
    expect(member.code).toBe(0);
    expect(member.stdout).toContain('User:      alice (member)\n');
    const grants = ['view:llms', 'run:llms', 'create:llms:virtual', 'edit:llms (rows you own)', 'delete:llms (rows you own)', 'view:agents', 'run:agents', 'create:agents', 'edit:agents (rows you own)', 'delete:agents (rows you own)'];
    expect(member.stdout).toContain(`Grants:    ${grants.join('\n           ')}\n`);
    await mcpctl(['create', 'user', 'audra', '--role', 'viewer']);
    expect((await mcpctl(['create', 'rolebinding', 'audra-audit', '--user', 'audra', '--permission', 'view:audit'])).code).toBe(0);
    const token = (await mcpctl(['create', 'token', '--user', 'audra', '--name', 'desk'])).stdout.trim();
    expect((await mcpctl(['status'], { token })).stdout).toContain('User:      audra (viewer)\n');
    const viewer = JSON.parse((await mcpctl(['status', '-o', 'json'], { token })).stdout) as { user: { grants: string[] } };
    expect(viewer.user.grants).toEqual(['view:llms', 'view:agents', 'view:audit']);
    // An admin's `(admin)` says it all.
    expect((await mcpctl(['status'])).stdout).not.toContain('Grants:');
    expect((await mcpctl(['delete', 'rolebinding', 'audra-audit'])).code).toBe(0);
    expect((await mcpctl(['delete', 'user', 'audra'])).code).toBe(0);
  });

  it('prints {name, user, token, expiresAt} with -o json', async () => {
    const run = await mcpctl(['create', 'token', '--user', 'alice', '--name', 'ci', '-o', 'json']);
    expect(run.code).toBe(0);
    const shown = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(shown)).toEqual(['name', 'user', 'token', 'expiresAt']);
    expect(shown).toMatchObject({ name: 'ci', user: 'alice', expiresAt: null });
    expect(shown.token).toMatch(/^mcpctl_/);
  });

  it('lists tokens without ever printing one', async () => {
    const run = await mcpctl(['get', 'tokens']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(aliceToken);
    const table = rows(run);
    expect(table[0]).toEqual(['NAME', 'USER', 'EXPIRES', 'ID']);
    expect(table.slice(1).map((row) => row.slice(0, 2))).toEqual([
      ['bootstrap', 'admin'],
      ['ci', 'alice'],
      ['laptop', 'alice'],
    ]);
    const own = tokenViewSchema.array().parse(JSON.parse((await mcpctl(['get', 'tokens', '-o', 'json'], { token: aliceToken })).stdout));
    expect(own.map((token) => token.name)).toEqual(['ci', 'laptop']);
  });

  it('refuses an unreadable lifetime before sending anything, with exit 2', async () => {
    const run = await mcpctl(['create', 'token', '--expires', 'three weeks']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: invalid token request: --expires: a lifetime is a whole number and a unit: 90m, 12h, 30d (s, m, h or d)\n');
    const none = await mcpctl(['create', 'token', '--expires', '0d']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: invalid token request: --expires: a token lives at least 1s; leave the lifetime out for a token that never expires\n');
  });

  it('creates a name-scoped role binding that takes effect at once', async () => {
    // A team server's address (never called): a member may not point an LLM at loopback, where the fake upstream listens.
    const create = ['create', 'llm', 'team-gpt', '--type', 'openai', '--model', 'fake-model', '--url', 'http://203.0.113.10:8000/v1'];
    const refused = await mcpctl(create, { token: aliceToken });
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'error: registering an LLM with mcpd needs the create:llms permission; a model server of your own is published from mcplocal instead (docs/virtual-llms.md)\n' });
    const binding = await mcpctl(['create', 'rolebinding', 'alice-team-gpt', '--user', 'alice', '--permission', 'create:llms', '--resource-name', 'team-gpt']);
    expect(binding).toEqual({ code: 0, stdout: 'rolebinding/alice-team-gpt created\n', stderr: '' });
    expect(await mcpctl(create, { token: aliceToken })).toEqual({ code: 0, stdout: 'llm/team-gpt created\n', stderr: '' });
    const table = rows(await mcpctl(['get', 'rolebindings']));
    expect(table[0]).toEqual(['NAME', 'SUBJECT', 'ROLE', 'PERMISSIONS', 'RESOURCES', 'ID']);
    expect(table[1]?.slice(0, 5)).toEqual(['alice-team-gpt', 'user:alice', '-', 'create:llms', 'team-gpt']);
  });

  it('describes a user with the role bindings that apply to it, its own and its groups\'', async () => {
    expect((await mcpctl(['create', 'rolebinding', 'ml-viewers', '--group', 'ml', '--role', 'viewer'])).code).toBe(0);
    const described = await mcpctl(['describe', 'users', 'alice']);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^Name: +alice\n/);
    expect(described.stdout).toMatch(/\nRole: +member\n/);
    expect(described.stdout).toMatch(/\nGroups: +ml, gpu\n/);
    expect(described.stdout).toMatch(/\nRole bindings: +2\n +alice-team-gpt: +create:llms · user alice · on team-gpt\n +ml-viewers: +role viewer · group ml · on everything\n$/);
    // The user itself reads the same.
    const own = await mcpctl(['describe', 'user', 'alice'], { token: aliceToken });
    expect(own.stdout.replaceAll(/\(.*? ago\)/g, '')).toBe(described.stdout.replaceAll(/\(.*? ago\)/g, ''));
    expect(await mcpctl(['describe', 'user', 'nobody'])).toMatchObject({ code: 1, stdout: '' });
    // Another user's bindings need view:rbac: without it they are not listed as none.
    expect((await mcpctl(['create', 'rolebinding', 'alice-sees-users', '--user', 'alice', '--permission', 'view:users'])).code).toBe(0);
    const other = await mcpctl(['describe', 'user', 'admin'], { token: aliceToken });
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(/\nRole bindings: +not visible to you\n$/);
    expect((await mcpctl(['delete', 'rolebindings', 'ml-viewers', 'alice-sees-users'])).code).toBe(0);
  });

  it('describes a role binding and a token, and gets one token by name', async () => {
    const binding = await mcpctl(['describe', 'rolebinding', 'alice-team-gpt']);
    expect(binding.code).toBe(0);
    expect(binding.stdout).toMatch(/^Name: +alice-team-gpt\nID: +rb_\S+\nSubject: +user alice\nRole: +none\nPermissions: +create:llms\nResources: +team-gpt\nCreated: +\S+ \(.+\)\n$/);
    expect(await mcpctl(['describe', 'token', 'laptop'])).toEqual({ code: 1, stdout: '', stderr: "error: you have no token laptop — it is alice's: add --user alice\n" });
    const token = await mcpctl(['describe', 'token', 'laptop', '--user', 'alice']);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^Name: +laptop\nID: +tok_\S+\nUser: +alice\nExpires: +\S+ \(in (29|30)d\)\nCreated: +/);
    expect(rows(await mcpctl(['get', 'token', 'laptop', '--user', 'alice']))[1]?.slice(0, 2)).toEqual(['laptop', 'alice']);
    // No user bob yet: that is the answer, not that bob has no such token.
    expect(await mcpctl(['get', 'token', 'laptop', '--user', 'bob'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: user not found: bob — run 'mcpctl get users' to list them\n",
    });
    expect((await mcpctl(['describe', 'rolebinding', 'nobody'])).code).toBe(1);
    // An id names one token, whoever holds it: no --user needed, as delete takes it.
    const laptopId = (JSON.parse((await mcpctl(['get', 'token', 'laptop', '--user', 'alice', '-o', 'json'])).stdout) as { id: string }).id;
    expect((await mcpctl(['describe', 'token', laptopId])).stdout).toMatch(/^Name: +laptop\nID: +tok_\S+\nUser: +alice\n/);
    expect(rows(await mcpctl(['get', 'token', laptopId]))[1]?.slice(0, 2)).toEqual(['laptop', 'alice']);
    // A list for a user that is not there, or whose tokens the caller may not see, is no empty list.
    expect(await mcpctl(['get', 'tokens', '--user', 'nobody'])).toEqual({ code: 1, stdout: '', stderr: "error: user not found: nobody — run 'mcpctl get users' to list them\n" });
    expect(await mcpctl(['get', 'tokens', '--user', 'admin'], { token: aliceToken })).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: you see only your own tokens: admin's need view:users — 'mcpctl status' lists your grants\n",
    });
    for (const verb of ['describe', 'delete']) {
      expect(await mcpctl([verb, 'token', 'laptop', '--user', 'admin'], { token: aliceToken })).toEqual({
        code: 1,
        stdout: '',
        stderr: "error: you see only your own tokens: admin's need view:users — 'mcpctl status' lists your grants\n",
      });
    }

    // Several users have a token of one name: the caller's own is meant, as delete means it; --user picks another.
    expect((await mcpctl(['create', 'token', '--name', 'laptop'])).code).toBe(0);
    expect((await mcpctl(['describe', 'token', 'laptop'])).stdout).toMatch(/\nUser: +admin\n/);
    expect((await mcpctl(['describe', 'token', 'laptop', '--user', 'alice'])).stdout).toMatch(/\nUser: +alice\n/);
    expect(await mcpctl(['delete', 'token', 'laptop'])).toEqual({ code: 0, stdout: 'token/laptop deleted\n', stderr: '' });
    for (const user of ['alice', 'vera']) expect((await mcpctl(['create', 'token', '--user', user, '--name', 'shared'])).code).toBe(0);
    const refusal = "error: you have no token shared — alice and vera have tokens named shared: add --user USER\n";
    expect(await mcpctl(['describe', 'token', 'shared'])).toEqual({ code: 1, stdout: '', stderr: refusal });
    expect(await mcpctl(['delete', 'token', 'shared'])).toEqual({ code: 1, stdout: '', stderr: refusal });
    for (const user of ['alice', 'vera']) expect((await mcpctl(['delete', 'token', 'shared', '--user', user])).code).toBe(0);
  });

  it('shows the owner in get -o wide and describe', async () => {
    const wide = rows(await mcpctl(['get', 'llm', 'team-gpt', '-o', 'wide']));
    const owner = wide[0]!.indexOf('OWNER');
    expect(owner).toBeGreaterThan(0);
    expect(wide[1]?.[owner]).toBe('alice');
    expect((await mcpctl(['describe', 'llm', 'team-gpt'])).stdout).toMatch(/\nOwner: +alice\n/);
  });

  it('refuses a viewer creating an LLM with one line and exit 1', async () => {
    const vera = (await mcpctl(['create', 'token', '--user', 'vera'])).stdout.trim();
    const run = await mcpctl(['create', 'llm', 'vera-gpt', '--type', 'openai', '--model', 'm', '--url', world.upstream.openaiBaseUrl], { token: vera });
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'error: registering an LLM with mcpd needs the create:llms permission\n' });
    expect((await mcpctl(['get', 'llm', 'vera-gpt'])).code).toBe(1);
  });

  it.each([
    [['create', 'rolebinding', 'x', '--role', 'viewer'], 'error: name the subject with exactly one of --user or --group\n'],
    [['create', 'rolebinding', 'x', '--user', 'a', '--group', 'b', '--role', 'viewer'], 'error: name the subject with exactly one of --user or --group\n'],
    [['create', 'rolebinding', 'x', '--user', 'a'], 'error: grant exactly one of --role or --permission\n'],
    [['create', 'rolebinding', 'x', '--user', 'a', '--permission', 'fly:llms'], /^error: invalid role binding x: permissions\.0: a permission is "\*" or VERB:RESOURCE/],
    [['create', 'user', 'bob', '--role', 'boss'], /^error: option '--role <role>' argument 'boss' is invalid/],
    [['create', 'user', 'Bad_Name'], /^error: invalid user Bad_Name: name: /],
  ])('exits 2 on %j', async (args, message) => {
    const run = await mcpctl(args);
    expect(run.code).toBe(2);
    if (typeof message === 'string') expect(run.stderr).toBe(message);
    else expect(run.stderr).toMatch(message);
  });

  it('applies User and RoleBinding documents: created, unchanged, configured', async () => {
    const file = join(world.home.path, 'accounts.yaml');
    const documents = (groups: string) =>
      [
        'kind: User',
        'name: bob',
        `groups: [${groups}]`,
        '---',
        'kind: RoleBinding',
        'name: ml-runs-gpt',
        'subjectKind: group',
        'subjectName: ml',
        'permissions: [view:llms, run:llms]',
        'resourceNames: [team-gpt]',
        '',
      ].join('\n');
    await writeFile(file, documents('ml'));
    expect(await mcpctl(['apply', '-f', file])).toEqual({ code: 0, stdout: 'user/bob created\nrolebinding/ml-runs-gpt created\n', stderr: '' });
    expect((await mcpctl(['apply', '-f', file])).stdout).toBe('user/bob unchanged\nrolebinding/ml-runs-gpt unchanged\n');
    await writeFile(file, documents('ml, gpu'));
    expect((await mcpctl(['apply', '-f', file])).stdout).toBe('user/bob configured\nrolebinding/ml-runs-gpt unchanged\n');
    const bob = userViewSchema.parse(JSON.parse((await mcpctl(['get', 'user', 'bob', '-o', 'json'])).stdout));
    expect(bob).toMatchObject({ groups: ['ml', 'gpu'], role: 'member' });
    // A binding written before the user it names: the user is sent first, whatever the file's order.
    const carol = ['kind: RoleBinding', 'name: carol-views', 'subjectKind: user', 'subjectName: carol', 'role: viewer', '---', 'kind: User', 'name: carol', ''].join('\n');
    expect(await mcpctl(['apply', '-f', '-'], { input: carol })).toEqual({ code: 0, stdout: 'user/carol created\nrolebinding/carol-views created\n', stderr: '' });
    const binding = roleBindingViewSchema.parse(JSON.parse((await mcpctl(['get', 'rolebinding', 'ml-runs-gpt', '-o', 'json'])).stdout));
    expect(binding).toMatchObject({ subjectKind: 'group', subjectName: 'ml', role: null, permissions: ['view:llms', 'run:llms'], resourceNames: ['team-gpt'] });
  });

  it('applies get -o yaml output of users and role bindings back unchanged', async () => {
    const users = await mcpctl(['get', 'users', '-o', 'yaml']);
    expect(parseAllDocuments(users.stdout).map((document) => (document.toJS() as { kind: unknown }).kind)).toEqual(['User', 'User', 'User', 'User', 'User']);
    const fromUsers = await mcpctl(['apply', '-f', '-'], { input: users.stdout });
    expect(fromUsers).toEqual({ code: 0, stdout: 'user/admin unchanged\nuser/alice unchanged\nuser/bob unchanged\nuser/carol unchanged\nuser/vera unchanged\n', stderr: '' });
    const bindings = await mcpctl(['get', 'rolebindings', '-o', 'yaml']);
    const fromBindings = await mcpctl(['apply', '-f', '-'], { input: bindings.stdout });
    expect(fromBindings).toEqual({ code: 0, stdout: 'rolebinding/alice-team-gpt unchanged\nrolebinding/carol-views unchanged\nrolebinding/ml-runs-gpt unchanged\n', stderr: '' });
    // A changed role binding is replaced as a whole.
    const changed = bindings.stdout.replace('subjectName: ml\n', 'subjectName: gpu\n');
    expect((await mcpctl(['apply', '-f', '-'], { input: changed })).stdout).toBe('rolebinding/alice-team-gpt unchanged\nrolebinding/carol-views unchanged\nrolebinding/ml-runs-gpt configured\n');
  });

  it('applies get -o json output of users and role bindings back unchanged, one or a list, from several -f', async () => {
    const bob = await mcpctl(['get', 'user', 'bob', '-o', 'json']);
    expect(JSON.parse(bob.stdout)).toMatchObject({ kind: 'User', name: 'bob' });
    expect(await mcpctl(['apply', '-f', '-'], { input: bob.stdout })).toEqual({ code: 0, stdout: 'user/bob unchanged\n', stderr: '' });
    const bindings = await mcpctl(['get', 'rolebindings', '-o', 'json']);
    expect((JSON.parse(bindings.stdout) as Array<{ kind: unknown }>).map((binding) => binding.kind)).toEqual(['RoleBinding', 'RoleBinding', 'RoleBinding']);
    const bindingsFile = join(world.home.path, 'bindings.json');
    await writeFile(bindingsFile, bindings.stdout);
    // Each -f is applied; users still go before the role bindings that name them.
    expect(await mcpctl(['apply', '-f', bindingsFile, '-f', '-'], { input: bob.stdout })).toEqual({
      code: 0,
      stdout: 'user/bob unchanged\nrolebinding/alice-team-gpt unchanged\nrolebinding/carol-views unchanged\nrolebinding/ml-runs-gpt unchanged\n',
      stderr: '',
    });
  });

  it('revokes a token: the next command with it fails', async () => {
    expect(await mcpctl(['delete', 'token', 'laptop'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: you have no token laptop — it is alice's: add --user alice\n",
    });
    expect(await mcpctl(['delete', 'token', 'laptop', '--user', 'alice'])).toEqual({ code: 0, stdout: 'token/laptop deleted\n', stderr: '' });
    const run = await mcpctl(['get', 'llms'], { token: aliceToken });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("error: the token is not valid — check the token, or run 'mcpctl login --url URL --token -'\n");
    const again = await mcpctl(['delete', 'token', 'laptop', '--user', 'alice']);
    expect(again).toEqual({ code: 1, stdout: '', stderr: "error: token not found: laptop (user alice) — run 'mcpctl get tokens' to list them\n" });
    expect(await mcpctl(['delete', 'token', 'laptop', '--user', 'nobody'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: user not found: nobody — run 'mcpctl get users' to list them\n",
    });
  });

  it('deletes role bindings and users', async () => {
    expect(await mcpctl(['delete', 'rolebinding', 'ml-runs-gpt'])).toEqual({ code: 0, stdout: 'rolebinding/ml-runs-gpt deleted\n', stderr: '' });
    expect(await mcpctl(['delete', 'user', 'vera'])).toEqual({ code: 0, stdout: 'user/vera deleted\n', stderr: '' });
    const gone = await mcpctl(['get', 'user', 'vera']);
    expect(gone).toEqual({ code: 1, stdout: '', stderr: "error: user not found: vera — run 'mcpctl get users' to list them\n" });
    const self = await mcpctl(['delete', 'user', 'admin']);
    expect(self).toEqual({ code: 1, stdout: '', stderr: 'error: you cannot delete yourself; ask another admin\n' });
  });
});
