import { describe, expect, it } from 'vitest';
import type { RoleBindingView, UserView } from '@mcpctl/protocol';
import { parseDocuments } from '../../src/documents/parse-documents.js';
import { UsageError } from '../../src/errors.js';
import { formatYamlDocuments } from '../../src/printer.js';
import { roleBindingChanges, roleBindingFromDocument } from '../../src/resources/rolebinding/role-binding-document.js';
import { roleBindingPresentation } from '../../src/resources/rolebinding/role-binding-presentation.js';
import { tokenCreateBody } from '../../src/resources/token/create.js';
import { userSpecChanges, userSpecFromDocument } from '../../src/resources/user/user-document.js';
import { userPresentation } from '../../src/resources/user/user-presentation.js';

const alice: UserView = {
  id: 'usr_1',
  name: 'alice',
  groups: ['ml', 'gpu'],
  role: 'member',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const binding: RoleBindingView = {
  id: 'rb_1',
  name: 'ml-runs',
  subjectKind: 'group',
  subjectName: 'ml',
  role: null,
  permissions: ['view:llms', 'run:llms'],
  resourceNames: ['gpt'],
  createdAt: '2026-01-01T00:00:00.000Z',
};

const only = (yaml: string) => {
  const [document] = parseDocuments(yaml, 'test.yaml');
  if (!document) throw new Error('no document');
  return document;
};

describe('kind: User documents', () => {
  it('read back what get -o yaml prints, as no change', () => {
    const yaml = formatYamlDocuments([userPresentation.toYamlDocument(alice)]);
    const spec = userSpecFromDocument(only(yaml));
    expect(spec.create).toEqual({ name: 'alice', groups: ['ml', 'gpu'], role: 'member' });
    expect(userSpecChanges(spec, alice)).toBe(false);
    // Group order is not a change; a new group or role is.
    expect(userSpecChanges(userSpecFromDocument(only('kind: User\nname: alice\ngroups: [gpu, ml]\n')), alice)).toBe(false);
    expect(userSpecChanges(userSpecFromDocument(only('kind: User\nname: alice\ngroups: [ml]\n')), alice)).toBe(true);
    expect(userSpecChanges(userSpecFromDocument(only('kind: User\nname: alice\nrole: viewer\n')), alice)).toBe(true);
  });

  it('take role: none as --role none does, for no role', () => {
    expect(userSpecFromDocument(only('kind: User\nname: carl\nrole: none\n')).update).toEqual({ role: null });
    expect(userSpecFromDocument(only('kind: User\nname: carl\nrole: null\n')).update).toEqual({ role: null });
  });

  it('keep what a document leaves out', () => {
    const spec = userSpecFromDocument(only('kind: User\nname: alice\n'));
    expect(spec.update).toEqual({});
    expect(userSpecChanges(spec, alice)).toBe(false);
  });

  it('refuse unknown fields and invalid ones', () => {
    expect(() => userSpecFromDocument(only('kind: User\nname: alice\ncolour: blue\n'))).toThrow(new UsageError('test.yaml: document 1 (user/alice) has unknown field colour; correct it or remove it'));
    expect(() => userSpecFromDocument(only('kind: User\nname: alice\nrole: boss\n'))).toThrow(UsageError);
    expect(() => userSpecFromDocument(only('kind: User\nname: alice\nrole: boss\n'))).toThrow(/^test\.yaml: document 1 \(user\/alice\) is invalid: role: /);
    // The bounds of mcpd's own body: at most 64 groups.
    const groups = Array.from({ length: 65 }, (_, index) => `g${index}`);
    expect(() => userSpecFromDocument(only(JSON.stringify({ kind: 'User', name: 'alice', groups })))).toThrow(/^test\.yaml: document 1 \(user\/alice\) is invalid: groups: /);
  });
});

describe('kind: RoleBinding documents', () => {
  it('read back what get -o yaml prints, as no change', () => {
    const yaml = formatYamlDocuments([roleBindingPresentation.toYamlDocument(binding)]);
    const parsed = roleBindingFromDocument(only(yaml));
    expect(parsed).toEqual({ name: 'ml-runs', subjectKind: 'group', subjectName: 'ml', permissions: ['view:llms', 'run:llms'], resourceNames: ['gpt'] });
    expect(roleBindingChanges(parsed, binding)).toBe(false);
  });

  it('read a role binding with null permissions fields as a role grant', () => {
    const parsed = roleBindingFromDocument(only('kind: RoleBinding\nname: v\nsubjectKind: user\nsubjectName: vera\nrole: viewer\npermissions: []\nresourceNames: null\n'));
    expect(parsed).toEqual({ name: 'v', subjectKind: 'user', subjectName: 'vera', role: 'viewer' });
    expect(roleBindingChanges(parsed, { ...binding, name: 'v', subjectKind: 'user', subjectName: 'vera', role: 'viewer', permissions: [], resourceNames: null })).toBe(false);
    expect(roleBindingChanges(parsed, { ...binding, name: 'v', subjectKind: 'user', subjectName: 'vera', role: 'member', permissions: [], resourceNames: null })).toBe(true);
  });

  it('refuse a document with both a role and permissions, or neither', () => {
    expect(() => roleBindingFromDocument(only('kind: RoleBinding\nname: x\nsubjectKind: user\nsubjectName: a\nrole: viewer\npermissions: [view:llms]\n'))).toThrow(
      /^test\.yaml: document 1 \(rolebinding\/x\) is invalid: role: set either role or permissions/,
    );
    expect(() => roleBindingFromDocument(only('kind: RoleBinding\nname: x\nsubjectKind: user\nsubjectName: a\n'))).toThrow(UsageError);
    expect(() => roleBindingFromDocument(only('kind: RoleBinding\nname: x\nsubjectKind: user\nsubjectName: a\npermissions: [fly:llms]\n'))).toThrow(
      /permissions\.0: a permission is/,
    );
  });
});

describe('create token flags', () => {
  it('turn --expires into the lifetime mcpd measures with its own clock', () => {
    expect(tokenCreateBody({ expires: '30d', user: 'alice', name: 'laptop' })).toEqual({ expiresIn: '30d', user: 'alice', name: 'laptop' });
    expect(tokenCreateBody({})).toEqual({});
  });

  it.each(['30', '1w', '0d', '3651d', '1.5h'])('refuse --expires %s with exit 2', (lifetime) => {
    expect(() => tokenCreateBody({ expires: lifetime })).toThrow(UsageError);
  });
});
