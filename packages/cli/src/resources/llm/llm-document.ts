import { llmCreateSchema, llmUpdateSchema, llmViewSchema, SERVER_MANAGED_LLM_FIELDS, type LlmCreate, type LlmView } from '@mcpctl/protocol';
import type { CliEnvironment } from '../../credentials.js';
import { documentFieldRules, documentFields, documentSubject } from '../../documents/document-fields.js';
import { documentWhere, type SourceDocument } from '../../documents/parse-documents.js';
import { readVirtualMarker, VIRTUAL_FIELD, type VirtualMarker } from '../../documents/virtual-marker.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { changedFields } from '../document-changes.js';
import { apiKeyFromEnv } from './create.js';

/**
 * The fields of a `kind: Llm` document: those of mcpd's `PUT` body, with its bounds, plus the
 * name. `url: null` is what a virtual LLM's view shows (its publisher serves it, there is no URL
 * to call); `apiKeyEnv` names the variable the CLI reads the key from.
 */
const llmDocumentFieldsSchema = llmUpdateSchema.extend({
  name: llmCreateSchema.shape.name,
  url: llmUpdateSchema.shape.url.unwrap().nullable().optional(),
});
type LlmDocumentFields = ReturnType<typeof llmDocumentFieldsSchema.parse>;

const FIELD_RULES = documentFieldRules([...Object.keys(llmDocumentFieldsSchema.shape), 'apiKeyEnv', VIRTUAL_FIELD], llmViewSchema, SERVER_MANAGED_LLM_FIELDS);

/** The fields `mcpctl create llm` and a new LLM's document must give. */
const CREATE_REQUIRES = ['type', 'model', 'url'] as const;

/** A `kind: Llm` document turned into what mcpd accepts. */
export interface LlmSpec {
  name: string;
  /** How messages name the document: `llms.yaml: document 2 (llm/NAME)`. */
  where: string;
  /** The fields the document sets, in `PUT` form: `null` clears, absent keeps. */
  update: Omit<LlmDocumentFields, 'name' | 'apiKey'>;
  /** From `apiKeyEnv` (or a literal `apiKey`); write-only, so never compared. `null` removes the stored key. */
  apiKey: string | null | undefined;
  /** Set when the document says the LLM is virtual: apply then never creates it. */
  virtual: VirtualMarker | undefined;
  /**
   * The document is a view that said `hasApiKey: true` (`get -o yaml` output): the LLM it was
   * read from had a key, which no view shows, so creating it again needs the key given.
   */
  hadApiKey: boolean;
}

/**
 * Validates a document of `kind: Llm`, or an LLM view as `get -o json` prints it (whose `kind`
 * is `public` or `virtual`), against the bounds mcpd enforces. Server-managed fields are dropped
 * so `get` output applies back; the virtual marker is kept apart from the fields sent. Whether
 * `type`, `model` and `url` are needed depends on whether the LLM exists: `llmCreateFromSpec`
 * checks that once it is known.
 */
export function llmSpecFromDocument(document: SourceDocument, env: CliEnvironment): LlmSpec {
  const { apiKeyEnv, [VIRTUAL_FIELD]: marked, ...fields } = documentFields(document, FIELD_RULES, documentSubject(document, 'llm', 'Llm'));
  const invalid = `${documentWhere(document, documentSubject(document, 'llm', 'Llm'))} is invalid`;
  const virtual = readVirtualMarker(document, marked, invalid);
  if (apiKeyEnv !== undefined && (typeof apiKeyEnv !== 'string' || apiKeyEnv === '')) {
    throw new UsageError(`${invalid}: apiKeyEnv: give the name of the environment variable holding the key`);
  }
  const checked = checkSchema(llmDocumentFieldsSchema, fields);
  if (!checked.ok) throw new UsageError(`${invalid}: ${checked.problems}`);
  const { name, apiKey: literalKey, ...update } = checked.value;
  const where = documentWhere(document, `llm/${name}`);
  if (apiKeyEnv !== undefined && literalKey !== undefined) {
    throw new UsageError(`${where} sets both apiKey and apiKeyEnv; keep one (apiKeyEnv keeps the key out of the file)`);
  }
  const apiKey = apiKeyEnv === undefined ? literalKey : apiKeyFromEnv(apiKeyEnv, env, `apiKeyEnv of ${documentWhere(document)}`);
  return { name, where, update, apiKey, virtual, hadApiKey: document.fields.hasApiKey === true };
}

/**
 * The `POST` body for a new LLM, which needs `type`, `model` and `url`; cleared (`null`) fields
 * are simply not set. Throws a `UsageError` the caller prefixes with the document's name.
 */
export function llmCreateFromSpec(spec: LlmSpec): LlmCreate {
  const { type, model, url, tier, visibility, description, poolName, maxConcurrent } = spec.update;
  if (type === undefined || model === undefined || url == null) {
    const missing = CREATE_REQUIRES.filter((field) => spec.update[field] == null).join(', ');
    const virtual = url === null ? "; url: null is a virtual LLM's, and the mcplocal that publishes one creates it" : '';
    throw new UsageError(`no LLM ${spec.name} yet, and creating one needs type, model and url (missing: ${missing}${virtual})`);
  }
  if (spec.hadApiKey && spec.apiKey == null) {
    // A view never shows the key: created from it, the LLM would call its upstream without one.
    throw new UsageError(`no LLM ${spec.name} yet, and the document says hasApiKey: true without the key; give it with apiKeyEnv: VARIABLE (or apiKey), or remove hasApiKey to create the LLM without one`);
  }
  const body = {
    name: spec.name,
    type,
    model,
    url,
    ...(spec.apiKey == null ? {} : { apiKey: spec.apiKey }),
    ...(tier === undefined ? {} : { tier }),
    ...(visibility === undefined ? {} : { visibility }),
    ...(description == null ? {} : { description }),
    ...(poolName == null ? {} : { poolName }),
    ...(maxConcurrent == null ? {} : { maxConcurrent }),
  };
  const checked = checkSchema(llmCreateSchema, body);
  if (!checked.ok) throw new UsageError(`cannot create LLM ${spec.name}: ${checked.problems}`);
  return checked.value;
}

/** True when sending the spec would change the LLM (a new API key always counts: it cannot be compared; removing one counts when there is one). */
export function llmSpecChanges(spec: LlmSpec, current: LlmView): boolean {
  if (typeof spec.apiKey === 'string' || (spec.apiKey === null && current.hasApiKey)) return true;
  return changedFields(spec.update, current).length > 0;
}
