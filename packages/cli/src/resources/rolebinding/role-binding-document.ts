import {
  roleBindingCreateSchema,
  roleBindingDocumentSchema,
  SERVER_MANAGED_ROLE_BINDING_FIELDS,
  type RoleBindingCreate,
  type RoleBindingView,
} from '@mcpctl/protocol';
import type { SourceDocument } from '../../documents/parse-documents.js';
import { withoutFields } from '../../documents/without-fields.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';

const KNOWN_FIELDS = new Set<string>([...Object.keys(roleBindingDocumentSchema.shape), ...SERVER_MANAGED_ROLE_BINDING_FIELDS]);

/**
 * Validates a `kind: RoleBinding` document into the body mcpd takes. A view as `get -o yaml`
 * prints it (`role: null`, `permissions: []`, `resourceNames: null`) reads the same as a
 * document that leaves those fields out.
 */
export function roleBindingFromDocument(document: SourceDocument, warn: (text: string) => void): RoleBindingCreate {
  const where = `document ${document.index}`;
  const fields = withoutFields(document.fields, SERVER_MANAGED_ROLE_BINDING_FIELDS);
  const unknown = Object.keys(fields).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) warn(`warning: ${where}: ignoring unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const parsed = checkSchema(roleBindingDocumentSchema, fields);
  if (!parsed.ok) throw new UsageError(`${where} (kind RoleBinding) is invalid: ${parsed.problems}`);
  const { kind: _kind, role, permissions, resourceNames, ...rest } = parsed.value;
  const candidate = {
    ...rest,
    ...(role == null ? {} : { role }),
    ...(permissions === undefined || permissions.length === 0 ? {} : { permissions }),
    ...(resourceNames == null || resourceNames.length === 0 ? {} : { resourceNames }),
  };
  const checked = checkSchema(roleBindingCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`${where} (rolebinding/${rest.name}) is invalid: ${checked.problems}`);
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
