import { llmViewSchema, roleBindingViewSchema, statusViewSchema, userViewSchema, type UsageReport } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantsOf, parsePermission } from '../src/rbac/grant.js';
import { PermissionSet } from '../src/rbac/permission-set.js';
import { AuditRepository } from '../src/repositories/audit-repository.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();

// Never called; a documentation address, since members may not point an LLM at loopback.
const gpt = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'openai', model: 'gpt-4o-mini', url: 'http://203.0.113.9:9/v1', ...extra });
const provider = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'openai', model: 'qwen3-8b', ...extra });

describe('permission sets', () => {
  const set = (...sources: Array<Parameters<typeof grantsOf>[0]>) => new PermissionSet(sources.flatMap((source) => grantsOf(source)));

  it('grant the verbs of a built-in role and nothing else', () => {
    const viewer = set({ role: 'viewer', permissions: [], resourceNames: null });
    expect(viewer.allows('view', 'llms', { name: 'gpt' })).toBe(true);
    expect(viewer.allows('run', 'llms', { name: 'gpt' })).toBe(false);
    expect(viewer.allows('create', 'llms', { name: 'gpt', kind: 'public' })).toBe(false);
    expect(viewer.admin).toBe(false);
  });

  it('limit a kind-scoped grant to rows of that kind', () => {
    const member = set({ role: 'member', permissions: [], resourceNames: null });
    expect(member.allows('create', 'llms', { name: 'qwen', kind: 'virtual' })).toBe(true);
    expect(member.allows('create', 'llms', { name: 'qwen', kind: 'public' })).toBe(false);
    // A question that names no kind is not answered by a kind-limited grant.
    expect(member.allows('create', 'llms', { name: 'qwen' })).toBe(false);
  });

  it('limit a name-scoped grant to those names and to pools of that name', () => {
    const scoped = set({ role: null, permissions: ['run:llms'], resourceNames: ['gpt', 'gpu-pool'] });
    expect(scoped.allows('run', 'llms', { name: 'gpt' })).toBe(true);
    expect(scoped.allows('run', 'llms', { name: 'claude' })).toBe(false);
    expect(scoped.allows('run', 'llms', { name: 'member-1', poolName: 'gpu-pool' })).toBe(true);
    // Without a name only unlimited grants count.
    expect(scoped.allows('run', 'llms')).toBe(false);
  });

  it('make only an unlimited * an admin', () => {
    expect(set({ role: 'admin', permissions: [], resourceNames: null }).admin).toBe(true);
    expect(set({ role: null, permissions: ['*'], resourceNames: null }).admin).toBe(true);
    const scopedStar = set({ role: null, permissions: ['*'], resourceNames: ['gpt'] });
    expect(scopedStar.admin).toBe(false);
    expect(scopedStar.allows('delete', 'llms', { name: 'gpt' })).toBe(true);
    expect(scopedStar.allows('delete', 'llms', { name: 'other' })).toBe(false);
  });

  it('cover only grants that are no wider than what is held', () => {
    const held = set({ role: null, permissions: ['view:llms', 'run:llms'], resourceNames: ['gpt', 'claude'] });
    expect(held.covers(parsePermission('run:llms', ['gpt']))).toBe(true);
    expect(held.covers(parsePermission('run:llms'))).toBe(false);
    expect(held.covers(parsePermission('run:llms', ['other']))).toBe(false);
    expect(held.covers(parsePermission('edit:llms', ['gpt']))).toBe(false);
    expect(held.covers(parsePermission('*', ['gpt']))).toBe(false);
    const member = set({ role: 'member', permissions: [], resourceNames: null });
    expect(member.covers(parsePermission('create:llms:virtual'))).toBe(true);
    expect(member.covers(parsePermission('create:llms'))).toBe(false);
  });

  it('cover a grant naming LLMs to create only with a grant naming them: it lets rows join the pools it names, which no unlimited grant does', () => {
    const member = set({ role: 'member', permissions: [], resourceNames: null });
    expect(member.covers(parsePermission('create:llms:virtual', ['teampool']))).toBe(false);
    expect(member.covers(parsePermission('run:llms', ['teampool']))).toBe(true);
    const poolPublisher = set({ role: null, permissions: ['create:llms:virtual'], resourceNames: ['teampool', 'gpu'] });
    expect(poolPublisher.covers(parsePermission('create:llms:virtual', ['teampool']))).toBe(true);
    expect(poolPublisher.covers(parsePermission('create:llms:virtual', ['other']))).toBe(false);
    expect(set({ role: null, permissions: ['*'], resourceNames: null }).covers(parsePermission('create:llms', ['teampool']))).toBe(true);
    expect(set({ role: null, permissions: ['create:llms'], resourceNames: null }).covers(parsePermission('*', ['teampool']))).toBe(false);
  });
});

describe('RBAC over HTTP', () => {
  let mcpd: TestServer;

  beforeAll(async () => {
    mcpd = await startTestServer({ database: await embedded!.open() });
  });

  afterAll(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  /** A user created through the API as admin, with a token minted for it. */
  async function user(name: string, fields: Record<string, unknown> = {}): Promise<string> {
    const created = await mcpd.api('/api/v1/users', { json: { name, ...fields } });
    expect(created.status).toBe(201);
    const token = await mcpd.api('/api/v1/tokens', { json: { user: name } });
    expect(token.status).toBe(201);
    return ((await token.json()) as { token: string }).token;
  }

  const binding = async (body: Record<string, unknown>, token?: string) => mcpd.api('/api/v1/rolebindings', { json: body, ...(token ? { token } : {}) });
  const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

  it('gives a new user the member role unless told otherwise', async () => {
    await user('rb-default');
    await user('rb-viewer', { role: 'viewer' });
    await user('rb-none', { role: null });
    const views = userViewSchema.array().parse(await (await mcpd.api('/api/v1/users')).json());
    const roles = Object.fromEntries(views.map((view) => [view.name, view.role]));
    expect(roles).toMatchObject({ admin: 'admin', 'rb-default': 'member', 'rb-viewer': 'viewer', 'rb-none': null });
  });

  it('lets a viewer see public LLMs but refuses it creating one with 403', async () => {
    await mcpd.api('/api/v1/llms', { json: gpt('rb-shared') });
    const viewer = await user('rb-viewer-2', { role: 'viewer' });
    expect((await mcpd.api('/api/v1/llms/rb-shared', { token: viewer })).status).toBe(200);
    const created = await mcpd.api('/api/v1/llms', { token: viewer, json: gpt('rb-viewer-llm') });
    expect(created.status).toBe(403);
    expect(await errorOf(created)).toBe('registering an LLM with mcpd needs the create:llms permission');
    expect((await mcpd.api('/api/v1/llms/rb-viewer-llm')).status).toBe(404);
    const published = await mcpd.api('/api/v1/llms/_provider-register', { token: viewer, json: { providers: [provider('rb-viewer-local')] } });
    expect(published.status).toBe(403);
    expect((await mcpd.api('/api/v1/llms/rb-viewer-local')).status).toBe(404);
    // Seeing is not running: the refusal names the permission and who grants it.
    await mcpd.api('/api/v1/llms', { json: gpt('rb-viewed') });
    const run = await mcpd.api('/v1/chat/completions', { token: viewer, json: { model: 'rb-viewed', messages: [{ role: 'user', content: 'hi' }] } });
    expect(run.status).toBe(403);
    expect(await errorOf(run)).toBe('running rb-viewed needs the run:llms permission; ask an admin for a role binding that grants it');
  });

  it('lets a member publish and change its own rows but register no public LLM', async () => {
    const member = await user('rb-member');
    expect((await mcpd.api('/api/v1/llms', { token: member, json: gpt('rb-member-public') })).status).toBe(403);
    const published = await mcpd.api('/api/v1/llms/_provider-register', { token: member, json: { providers: [provider('rb-member-local')] } });
    expect(published.status).toBe(201);
    const changed = await mcpd.api('/api/v1/llms/rb-member-local', { method: 'PUT', token: member, json: { visibility: 'public' } });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ visibility: 'public', owner: 'rb-member' });

    // The admin's public LLM is visible to the member, so refusing to change it is a 403, not a 404.
    await mcpd.api('/api/v1/llms', { json: gpt('rb-admin-owned') });
    const edit = await mcpd.api('/api/v1/llms/rb-admin-owned', { method: 'PUT', token: member, json: { description: 'mine now' } });
    expect(edit.status).toBe(403);
    expect(await errorOf(edit)).toContain('only the owner of rb-admin-owned');
    expect((await mcpd.api('/api/v1/llms/rb-admin-owned', { method: 'DELETE', token: member })).status).toBe(403);
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/rb-admin-owned')).json()).description).toBeNull();
  });

  it('applies a name-scoped grant to those names only, at once', async () => {
    const member = await user('rb-scoped');
    expect((await mcpd.api('/api/v1/llms', { token: member, json: gpt('rb-team-gpt') })).status).toBe(403);
    const granted = await binding({ name: 'rb-scoped-create', subjectKind: 'user', subjectName: 'rb-scoped', permissions: ['create:llms'], resourceNames: ['rb-team-gpt'] });
    expect(granted.status).toBe(201);
    expect(roleBindingViewSchema.parse(await granted.json())).toMatchObject({ role: null, permissions: ['create:llms'], resourceNames: ['rb-team-gpt'] });
    // The binding is seen on the very next request: the auth cache was dropped.
    expect((await mcpd.api('/api/v1/llms', { token: member, json: gpt('rb-team-gpt') })).status).toBe(201);
    expect((await mcpd.api('/api/v1/llms', { token: member, json: gpt('rb-other-gpt') })).status).toBe(403);

    expect((await mcpd.api('/api/v1/rolebindings/rb-scoped-create', { method: 'DELETE' })).status).toBe(204);
    expect((await mcpd.api('/api/v1/llms', { token: member, json: gpt('rb-team-gpt-2') })).status).toBe(403);
  });

  it('keeps private rows hidden even from a grant that names them', async () => {
    const owner = await user('rb-owner');
    const other = await user('rb-other');
    await mcpd.api('/api/v1/llms/_provider-register', { token: owner, json: { providers: [provider('rb-private')] } });
    await binding({ name: 'rb-other-view', subjectKind: 'user', subjectName: 'rb-other', permissions: ['view:llms', 'run:llms'], resourceNames: ['rb-private'] });
    expect((await mcpd.api('/api/v1/llms/rb-private', { token: other })).status).toBe(404);
    expect((await mcpd.api('/api/v1/llms/rb-private', { token: other, method: 'HEAD' })).status).toBe(404);
    const names = ((await (await mcpd.api('/api/v1/llms', { token: other })).json()) as Array<{ name: string }>).map((llm) => llm.name);
    expect(names).not.toContain('rb-private');
    expect((await mcpd.api('/api/v1/llms/rb-private', { method: 'PUT', token: other, json: { visibility: 'public' } })).status).toBe(404);
    expect((await mcpd.api('/api/v1/llms/rb-private')).status).toBe(200);
  });

  it('grants through groups, and a role binding for a group makes its members what the role says', async () => {
    const grouped = await user('rb-grouped', { role: 'viewer', groups: ['rb-ops'] });
    expect((await mcpd.api('/api/v1/llms', { token: grouped, json: gpt('rb-ops-gpt') })).status).toBe(403);
    expect((await binding({ name: 'rb-ops-admin', subjectKind: 'group', subjectName: 'rb-ops', role: 'admin' })).status).toBe(201);
    const status = statusViewSchema.parse(await (await mcpd.api('/api/v1/status', { token: grouped })).json());
    expect(status.user).toMatchObject({ name: 'rb-grouped', admin: true });
    expect((await mcpd.api('/api/v1/llms', { token: grouped, json: gpt('rb-ops-gpt') })).status).toBe(201);
    expect((await mcpd.api('/api/v1/rolebindings/rb-ops-admin', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await mcpd.api('/api/v1/status', { token: grouped })).json()) as { user: { admin: boolean } }).user.admin).toBe(false);
  });

  it('refuses to hand out a grant the caller does not hold', async () => {
    const delegate = await user('rb-delegate', { role: 'viewer' });
    await binding({ name: 'rb-delegate-rbac', subjectKind: 'user', subjectName: 'rb-delegate', permissions: ['create:rbac', 'view:rbac', 'create:users'] });
    const toAdmin = await binding({ name: 'rb-escalate', subjectKind: 'user', subjectName: 'rb-delegate', role: 'admin' }, delegate);
    expect(toAdmin.status).toBe(403);
    expect(await errorOf(toAdmin)).toBe('role binding rb-escalate would grant *, which you do not hold yourself');
    const toRun = await binding({ name: 'rb-escalate', subjectKind: 'user', subjectName: 'rb-delegate', permissions: ['run:llms'] }, delegate);
    expect(toRun.status).toBe(403);
    // What it holds, it may pass on.
    expect((await binding({ name: 'rb-pass-view', subjectKind: 'group', subjectName: 'rb-readers', permissions: ['view:llms'] }, delegate)).status).toBe(201);
    // A new user's role is a grant too: the viewer may create viewers but not members.
    expect((await mcpd.api('/api/v1/users', { token: delegate, json: { name: 'rb-made-member' } })).status).toBe(403);
    expect((await mcpd.api('/api/v1/users', { token: delegate, json: { name: 'rb-made-viewer', role: 'viewer' } })).status).toBe(201);
    // Joining a group is a grant as well.
    await binding({ name: 'rb-admins-group', subjectKind: 'group', subjectName: 'rb-admins', role: 'admin' });
    expect((await mcpd.api('/api/v1/users', { token: delegate, json: { name: 'rb-sneaky', role: 'viewer', groups: ['rb-admins'] } })).status).toBe(403);
    expect((await mcpd.api('/api/v1/users/rb-sneaky')).status).toBe(404);
  });

  it('lets a delegated user manager act only on users whose grants it holds itself, so it cannot demote, delete or lock out an admin', async () => {
    const manager = await user('rb-manager');
    await binding({ name: 'rb-manager-users', subjectKind: 'user', subjectName: 'rb-manager', permissions: ['view:users', 'edit:users', 'delete:users'] });
    await user('rb-managed');
    // A member like itself: managed.
    expect((await mcpd.api('/api/v1/users/rb-managed', { method: 'PUT', token: manager, json: { role: 'viewer' } })).status).toBe(200);
    const managedToken = ((await (await mcpd.api('/api/v1/tokens', { json: { user: 'rb-managed', name: 'desk' } })).json()) as { name: string }).name;
    expect((await mcpd.api(`/api/v1/tokens/${managedToken}?user=rb-managed`, { method: 'DELETE', token: manager })).status).toBe(204);
    // The admin holds what the manager does not: neither demoted, nor deleted, nor its token revoked.
    const demote = await mcpd.api('/api/v1/users/admin', { method: 'PUT', token: manager, json: { role: 'viewer' } });
    expect(demote.status).toBe(403);
    expect(await errorOf(demote)).toBe('changing user admin: admin holds *, which you do not hold yourself; ask an admin');
    expect((await mcpd.api('/api/v1/users/admin', { method: 'DELETE', token: manager })).status).toBe(403);
    await mcpd.api('/api/v1/tokens', { json: { name: 'rb-admin-laptop' } });
    const revoke = await mcpd.api('/api/v1/tokens/rb-admin-laptop?user=admin', { method: 'DELETE', token: manager });
    expect(revoke.status).toBe(403);
    expect(await errorOf(revoke)).toBe('revoking a token of admin: admin holds *, which you do not hold yourself; ask an admin');
    // A user with a grant the manager lacks (here view:audit) is beyond it as well.
    await user('rb-auditor-2');
    await binding({ name: 'rb-auditor-2-audit', subjectKind: 'user', subjectName: 'rb-auditor-2', permissions: ['view:audit'] });
    expect((await mcpd.api('/api/v1/users/rb-auditor-2', { method: 'PUT', token: manager, json: { groups: ['x'] } })).status).toBe(403);
    // Nor may it take such a grant away by the binding.
    await binding({ name: 'rb-manager-rbac', subjectKind: 'user', subjectName: 'rb-manager', permissions: ['edit:rbac', 'delete:rbac', 'view:rbac'] });
    const unbind = await mcpd.api('/api/v1/rolebindings/rb-auditor-2-audit', { method: 'DELETE', token: manager });
    expect(unbind.status).toBe(403);
    expect(await errorOf(unbind)).toBe('role binding rb-auditor-2-audit grants view:audit, which you do not hold yourself; only someone who holds it may change or delete it');
  });

  it('never leaves mcpd without an admin: the last one may not demote itself or lose the binding that makes it one', async () => {
    const admins = async () => userViewSchema.array().parse(await (await mcpd.api('/api/v1/users')).json()).filter((view) => view.role === 'admin').map((view) => view.name);
    expect(await admins()).toEqual(['admin']);
    const demote = await mcpd.api('/api/v1/users/admin', { method: 'PUT', json: { role: 'member' } });
    expect(demote.status).toBe(409);
    expect(await errorOf(demote)).toBe('admin is the only admin: the change would leave nobody who may manage mcpd; make another user an admin first (role: admin, or a binding granting *)');
    expect(await admins()).toEqual(['admin']);
    // An admin by a binding instead of its role: the binding is what may not go.
    const second = await user('rb-second-admin');
    expect((await binding({ name: 'rb-second-star', subjectKind: 'user', subjectName: 'rb-second-admin', permissions: ['*'] })).status).toBe(201);
    expect((await mcpd.api('/api/v1/users/admin', { method: 'PUT', token: second, json: { role: 'member' } })).status).toBe(200);
    const unbind = await mcpd.api('/api/v1/rolebindings/rb-second-star', { method: 'DELETE', token: second });
    expect(unbind.status).toBe(409);
    expect(await errorOf(unbind)).toBe('role binding rb-second-star makes the only admin one: the change would leave nobody who may manage mcpd; make another user an admin first (role: admin, or a binding granting *)');
    expect((await mcpd.api('/api/v1/rolebindings/rb-second-star', { token: second })).status).toBe(200);
    // With another admin again, either may go.
    expect((await mcpd.api('/api/v1/users/admin', { method: 'PUT', token: second, json: { role: 'admin' } })).status).toBe(200);
    expect((await mcpd.api('/api/v1/rolebindings/rb-second-star', { method: 'DELETE' })).status).toBe(204);
    expect((await mcpd.api('/api/v1/users/rb-second-admin', { method: 'DELETE' })).status).toBe(204);
  });

  it('shows a user the bindings that apply to it, and all of them only with view:rbac', async () => {
    const plain = await user('rb-plain', { groups: ['rb-plain-team'] });
    await binding({ name: 'rb-plain-own', subjectKind: 'user', subjectName: 'rb-plain', permissions: ['view:audit'] });
    await binding({ name: 'rb-plain-team', subjectKind: 'group', subjectName: 'rb-plain-team', permissions: ['view:llms'] });
    const seen = roleBindingViewSchema.array().parse(await (await mcpd.api('/api/v1/rolebindings', { token: plain })).json());
    expect(seen.map((view) => view.name).sort()).toEqual(['rb-plain-own', 'rb-plain-team']);
    expect((await mcpd.api('/api/v1/rolebindings/rb-ops-admin', { token: plain })).status).toBe(404);
    expect((await mcpd.api('/api/v1/rolebindings/rb-plain-own', { method: 'DELETE', token: plain })).status).toBe(403);
    const all = roleBindingViewSchema.array().parse(await (await mcpd.api('/api/v1/rolebindings')).json());
    expect(all.length).toBeGreaterThan(seen.length);
  });

  it('validates bindings: a role or permissions, known verbs and resources', async () => {
    const both = await binding({ name: 'rb-bad', subjectKind: 'user', subjectName: 'x', role: 'viewer', permissions: ['view:llms'] });
    expect(both.status).toBe(400);
    expect(await errorOf(both)).toContain('set either role or permissions');
    const unknown = await binding({ name: 'rb-bad', subjectKind: 'user', subjectName: 'x', permissions: ['fly:llms'] });
    expect(unknown.status).toBe(400);
    expect(await errorOf(unknown)).toContain('a permission is "*" or VERB:RESOURCE');
    expect((await binding({ name: 'rb-bad', subjectKind: 'team', subjectName: 'x', role: 'viewer' })).status).toBe(400);
    // A user nobody holds (a typo) is refused: a user made later under the name would inherit the grant.
    const nobody = await binding({ name: 'rb-typo', subjectKind: 'user', subjectName: 'nobdy', role: 'admin' });
    expect(nobody.status).toBe(400);
    expect(await errorOf(nobody)).toBe('no user is named nobdy; create the user first (mcpctl create user nobdy), then bind it');
    await user('rb-existing');
    expect((await binding({ name: 'rb-plain-own', subjectKind: 'user', subjectName: 'rb-existing', role: 'viewer' })).status).toBe(409);
    expect((await binding({ name: 'rb-group-first', subjectKind: 'group', subjectName: 'nobody-yet', role: 'viewer' })).status).toBe(201);
  });

  it('lets everyone manage and see themselves but other users only with the users permissions', async () => {
    const member = await user('rb-self');
    const listed = userViewSchema.array().parse(await (await mcpd.api('/api/v1/users', { token: member })).json());
    expect(listed.map((view) => view.name)).toEqual(['rb-self']);
    expect((await mcpd.api('/api/v1/users/rb-self', { token: member })).status).toBe(200);
    expect((await mcpd.api('/api/v1/users/admin', { token: member })).status).toBe(404);
    expect((await mcpd.api('/api/v1/users/admin', { method: 'DELETE', token: member })).status).toBe(404);
    expect((await mcpd.api('/api/v1/users', { token: member, json: { name: 'rb-new' } })).status).toBe(403);
    // Seeing yourself is not changing yourself: a member may not make itself admin.
    const promote = await mcpd.api('/api/v1/users/rb-self', { method: 'PUT', token: member, json: { role: 'admin' } });
    expect(promote.status).toBe(403);
  });

  it('lets a member read only its own audit records, and view:audit read all', async () => {
    const member = await user('rb-audited');
    const auditor = await user('rb-auditor');
    await binding({ name: 'rb-auditor-audit', subjectKind: 'user', subjectName: 'rb-auditor', permissions: ['view:audit'] });
    const idOf = async (name: string) => ((await (await mcpd.api(`/api/v1/users/${name}`)).json()) as { id: string }).id;
    const record = (userId: string, userName: string) => ({ at: new Date(), userId, userName, llmName: 'rb-shared', endpoint: 'infer', streaming: false, status: 200, latencyMs: 5 });
    const audit = new AuditRepository(mcpd.server.services.database.db);
    await audit.insertMany([record(await idOf('admin'), 'admin'), record(await idOf('rb-audited'), 'rb-audited')]);
    const users = async (token: string, query = '') =>
      ((await (await mcpd.api(`/api/v1/audit${query}`, { token })).json()) as Array<{ userName: string }>).map((entry) => entry.userName);
    expect(await users(member)).toEqual(['rb-audited']);
    expect(await users(member, '?user=rb-audited')).toEqual(['rb-audited']);
    // Another user's name gets a refusal, not the caller's own records passing for that user's.
    const other = await mcpd.api('/api/v1/audit?user=admin', { token: member });
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toBe('reading the audit records of admin needs the view:audit permission; without it you read your own (leave out the user filter)');
    expect(await users(auditor, '?user=admin')).toEqual(['admin']);
    // Other tests of this server leave records of their own LLMs.
    expect((await users(auditor, '?llm=rb-shared')).sort()).toEqual(['admin', 'rb-audited']);

    // A user deleted and made again under the same name starts with no history.
    expect((await mcpd.api('/api/v1/users/rb-audited', { method: 'DELETE' })).status).toBe(204);
    const again = await user('rb-audited');
    expect(await users(again)).toEqual([]);
    expect((await (await mcpd.api('/api/v1/usage?by=user', { token: again })).json()) as { rows: unknown[] }).toMatchObject({ rows: [] });
    // So it does for an admin: the name is the user of that name now; the deleted one's records
    // are read, and counted, apart.
    await audit.insertMany([record(await idOf('rb-audited'), 'rb-audited')]);
    const ids = async (query: string) => ((await (await mcpd.api(`/api/v1/audit${query}`, { token: auditor })).json()) as Array<{ id: string }>).map((entry) => Number(entry.id));
    const [now] = await ids('?user=rb-audited');
    expect(await ids('?user=rb-audited')).toEqual([now]);
    const [before] = await ids(`?user=${encodeURIComponent('rb-audited (deleted)')}`);
    expect(await ids(`?user=${encodeURIComponent('rb-audited (deleted)')}`)).toEqual([before]);
    expect(before).toBeLessThan(now!);
    // Each record says whether its user is gone, as the tables show it (`NAME (deleted)`).
    const marks = async (query: string) => ((await (await mcpd.api(`/api/v1/audit${query}`, { token: auditor })).json()) as Array<{ userName: string; userDeleted: boolean }>).map((entry) => [entry.userName, entry.userDeleted]);
    expect(await marks('?user=rb-audited')).toEqual([['rb-audited', false]]);
    expect(await marks(`?user=${encodeURIComponent('rb-audited (deleted)')}`)).toEqual([['rb-audited', true]]);
    const byUser = (await (await mcpd.api('/api/v1/usage?by=user', { token: auditor })).json()) as UsageReport;
    expect(byUser.rows.filter((row) => row.key?.startsWith('rb-audited')).map((row) => [row.key, row.requests])).toEqual(
      expect.arrayContaining([
        ['rb-audited', 1],
        ['rb-audited (deleted)', 1],
      ]),
    );
    // With nobody of the name left, the name reads the deleted users' records.
    expect((await mcpd.api('/api/v1/users/rb-audited', { method: 'DELETE' })).status).toBe(204);
    expect((await ids('?user=rb-audited')).sort()).toEqual([before, now].sort());
  });

  it('refuses audit queries it cannot answer well, each with a 400 naming the parameter', async () => {
    const refusal = async (query: string) => {
      const response = await mcpd.api(`/api/v1/audit?${query}`);
      expect(response.status).toBe(400);
      return errorOf(response);
    };
    expect(await refusal('before=9999999999999999999')).toBe('invalid query: before: before is the id of a record (a whole number above 0)');
    expect(await refusal('before=zzz')).toBe('invalid query: before: before is the id of a record (a whole number above 0)');
    expect(await refusal('status=999')).toBe('invalid query: status: status is ok, error, or an HTTP status from 100 to 599');
    expect(await refusal('since=2026-02-30T00:00:00Z')).toMatch(/^invalid query: since: give a duration such as 30m, 24h or 7d, or an ISO 8601 time with its zone/);
    expect(await refusal('since=2026-01-01T00:00:00')).toMatch(/with its zone/);
    expect(await refusal('since=1970-01-01T00:00:00Z')).toBe('the window is longer than 366 days; narrow since and until');
    expect(await refusal('status=teapot')).toBe('invalid query: status: status is ok, error, or an HTTP status from 100 to 599');
  });

  it('counts usage: a member its own requests, view:audit everyone\'s; a window that is not one is refused', async () => {
    const member = await user('rb-usage');
    const auditor = await user('rb-usage-auditor');
    await binding({ name: 'rb-usage-auditor-audit', subjectKind: 'user', subjectName: 'rb-usage-auditor', permissions: ['view:audit'] });
    const idOf = async (name: string) => ((await (await mcpd.api(`/api/v1/users/${name}`)).json()) as { id: string }).id;
    const [memberId, adminId] = await Promise.all([idOf('rb-usage'), idOf('admin')]);
    const record = (userId: string, userName: string, llmName: string) => ({ at: new Date(), userId, userName, llmName, endpoint: 'infer', streaming: false, status: 200, latencyMs: 5, promptTokens: 3, completionTokens: 4 });
    await new AuditRepository(mcpd.server.services.database.db).insertMany([record(memberId, 'rb-usage', 'rb-usage-llm'), record(memberId, 'rb-usage', 'rb-usage-llm'), record(adminId, 'admin', 'rb-usage-other')]);
    const usage = async (token: string, query: string) => (await (await mcpd.api(`/api/v1/usage${query}`, { token })).json()) as UsageReport;

    const own = await usage(member, '?by=user');
    expect(own.scope).toBe('own');
    expect(own.rows).toEqual([expect.objectContaining({ key: 'rb-usage', requests: 2, promptTokens: 6, completionTokens: 8 })]);
    expect((await usage(member, '?by=llm&since=1h')).rows.map((row) => row.key)).toEqual(['rb-usage-llm']);

    const everyone = await usage(auditor, '?by=llm&since=1h');
    expect(everyone.scope).toBe('everyone');
    expect(everyone.rows.map((row) => row.key)).toEqual(expect.arrayContaining(['rb-usage-llm', 'rb-usage-other']));
    expect(everyone.hours.length).toBeGreaterThan(0);

    const refused = await mcpd.api('/api/v1/usage?since=yesterday', { token: member });
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatch(/since.*give a duration such as 30m, 24h or 7d/);
    const backwards = await mcpd.api('/api/v1/usage?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', { token: member });
    expect(backwards.status).toBe(400);
    expect((await mcpd.api('/api/v1/usage?by=team', { token: member })).status).toBe(400);
  });
});
