import { SERVER_MANAGED_USER_FIELDS, userCreateSchema, userUpdateSchema, userViewSchema, type UserCreate, type UserUpdate, type UserView } from '@mcpctl/protocol';
import { documentFieldRules, documentFields, documentSubject } from '../../documents/document-fields.js';
import { documentWhere, type SourceDocument } from '../../documents/parse-documents.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';

/** The fields of a `kind: User` document: those of mcpd's `PUT` body, with its bounds, plus the name. */
const userDocumentFieldsSchema = userUpdateSchema.extend({ name: userCreateSchema.shape.name });

const FIELD_RULES = documentFieldRules(Object.keys(userDocumentFieldsSchema.shape), userViewSchema, SERVER_MANAGED_USER_FIELDS);

/** A `kind: User` document: the user to create, and what to change if it exists. */
export interface UserSpec {
  /** How messages name the document: `users.yaml: document 2 (user/NAME)`. */
  where: string;
  create: UserCreate;
  /** The fields the document sets; absent ones are kept. */
  update: UserUpdate;
}

/** Validates a `kind: User` document; server-managed fields are dropped so `get -o yaml` applies back. */
export function userSpecFromDocument(document: SourceDocument): UserSpec {
  const fields = documentFields(document, FIELD_RULES, documentSubject(document, 'user', 'User'));
  // `none`, as `--role none` says it: `get -o yaml` writes it `role: null`.
  const checked = checkSchema(userDocumentFieldsSchema, fields.role === 'none' ? { ...fields, role: null } : fields);
  const invalid = `${documentWhere(document, documentSubject(document, 'user', 'User'))} is invalid`;
  if (!checked.ok) throw new UsageError(`${invalid}: ${checked.problems}`);
  const { name, ...update } = checked.value;
  const create = checkSchema(userCreateSchema, { name, ...update });
  if (!create.ok) throw new UsageError(`${invalid}: ${create.problems}`);
  return { where: documentWhere(document, `user/${name}`), create: create.value, update };
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
