import { SERVER_MANAGED_USER_FIELDS, userDocumentSchema, type UserCreate, type UserUpdate, type UserView } from '@mcpctl/protocol';
import type { SourceDocument } from '../../documents/parse-documents.js';
import { withoutFields } from '../../documents/without-fields.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';

/** A `kind: User` document: the user to create, and what to change if it exists. */
export interface UserSpec {
  create: UserCreate;
  /** The fields the document sets; absent ones are kept. */
  update: UserUpdate;
}

const KNOWN_FIELDS = new Set<string>([...Object.keys(userDocumentSchema.shape), ...SERVER_MANAGED_USER_FIELDS]);

/** Validates a `kind: User` document; server-managed fields are dropped so `get -o yaml` applies back. */
export function userSpecFromDocument(document: SourceDocument, warn: (text: string) => void): UserSpec {
  const where = `document ${document.index}`;
  const fields = withoutFields(document.fields, SERVER_MANAGED_USER_FIELDS);
  const unknown = Object.keys(fields).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) warn(`warning: ${where}: ignoring unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const checked = checkSchema(userDocumentSchema, fields);
  if (!checked.ok) throw new UsageError(`${where} (kind User) is invalid: ${checked.problems}`);
  const { kind: _kind, ...create } = checked.value;
  const update: UserUpdate = {
    ...(create.groups === undefined ? {} : { groups: create.groups }),
    ...(create.role === undefined ? {} : { role: create.role }),
  };
  return { create, update };
}

/** True when sending the update would change the user. */
export function userSpecChanges(spec: UserSpec, current: UserView): boolean {
  const groupsDiffer = spec.update.groups !== undefined && !sameSet(spec.update.groups, current.groups);
  const roleDiffers = spec.update.role !== undefined && spec.update.role !== current.role;
  return groupsDiffer || roleDiffers;
}

function sameSet(left: readonly string[], right: readonly string[]): boolean {
  const a = new Set(left);
  const b = new Set(right);
  return a.size === b.size && [...a].every((value) => b.has(value));
}
