import {
  roleBindingCreateSchema,
  roleBindingDocumentSchema,
  roleBindingViewSchema,
  SERVER_MANAGED_ROLE_BINDING_FIELDS,
  type RoleBindingCreate,
  type RoleBindingView,
} from '@mcpctl/protocol';
import { documentFieldRules, documentFields, documentSubject } from '../../documents/document-fields.js';
import { documentWhere, type SourceDocument } from '../../documents/parse-documents.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';

const FIELD_RULES = documentFieldRules(Object.keys(roleBindingDocumentSchema.shape), roleBindingViewSchema, SERVER_MANAGED_ROLE_BINDING_FIELDS);

/**
 * Validates a `kind: RoleBinding` document into the body mcpd takes. A view as `get -o yaml`
 * prints it (`role: null`, `permissions: []`, `resourceNames: null`) reads the same as a
 * document that leaves those fields out. The body is then checked against mcpd's own
 * `roleBindingCreateSchema`, whose fields and bounds a `PUT` shares.
 */
export function roleBindingFromDocument(document: SourceDocument): RoleBindingCreate {
  const fields = documentFields(document, FIELD_RULES, documentSubject(document, 'rolebinding', 'RoleBinding'));
  const parsed = checkSchema(roleBindingDocumentSchema, { ...fields, kind: 'RoleBinding' });
  const invalid = `${documentWhere(document, documentSubject(document, 'rolebinding', 'RoleBinding'))} is invalid`;
  if (!parsed.ok) throw new UsageError(`${invalid}: ${parsed.problems}`);
  const { kind: _kind, role, permissions, resourceNames, ...rest } = parsed.value;
  const candidate = {
    ...rest,
    ...(role == null ? {} : { role }),
    ...(permissions === undefined || permissions.length === 0 ? {} : { permissions }),
    ...(resourceNames == null || resourceNames.length === 0 ? {} : { resourceNames }),
  };
  const checked = checkSchema(roleBindingCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`${invalid}: ${checked.problems}`);
  return checked.value;
}

/** True when the binding in mcpd differs from the document. */
export function roleBindingChanges(binding: RoleBindingCreate, current: RoleBindingView): boolean {
  return (
    binding.subjectKind !== current.subjectKind ||
    binding.subjectName !== current.subjectName ||
    (binding.role ?? null) !== current.role ||
    !sameList(binding.permissions ?? [], current.permissions) ||
    !sameList(binding.resourceNames ?? [], current.resourceNames ?? [])
  );
}

function sameList(left: readonly string[], right: readonly string[]): boolean {
  const a = new Set(left);
  const b = new Set(right);
  return a.size === b.size && [...a].every((value) => b.has(value));
}
