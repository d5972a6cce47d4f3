import { llmDocumentSchema, SERVER_MANAGED_LLM_FIELDS, type LlmCreate, type LlmUpdate, type LlmView } from '@mcpctl/protocol';
import type { CliEnvironment } from '../../credentials.js';
import type { SourceDocument } from '../../documents/parse-documents.js';
import { withoutFields } from '../../documents/without-fields.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { apiKeyFromEnv } from './create.js';

/** A `kind: Llm` document turned into what mcpd accepts. */
export interface LlmSpec {
  name: string;
  /** The fields the document sets, in `PUT` form: `null` clears, absent keeps. */
  update: Omit<LlmUpdate, 'apiKey'>;
  /** From `apiKeyEnv` (or a literal `apiKey`); write-only, so never compared. `null` removes the stored key. */
  apiKey: string | null | undefined;
}

const KNOWN_FIELDS = new Set<string>([...Object.keys(llmDocumentSchema.shape), ...SERVER_MANAGED_LLM_FIELDS]);

/**
 * Validates a document of `kind: Llm`, or an LLM view as `get -o json` prints it (whose
 * `kind` is `public`). Server-managed fields are dropped so `get` output applies back.
 * Unknown fields are reported through `warn` rather than silently ignored: a misspelled
 * field would otherwise look applied.
 */
export function llmSpecFromDocument(document: SourceDocument, env: CliEnvironment, warn: (text: string) => void): LlmSpec {
  const where = `document ${document.index}`;
  if (document.kind === 'virtual') {
    const name = typeof document.fields.name === 'string' ? ` (llm/${document.fields.name})` : '';
    throw new UsageError(`${where}${name} is a virtual LLM: mcplocal publishes it, so change it in mcplocal's config.json instead`);
  }
  const fields = withoutFields(document.fields, SERVER_MANAGED_LLM_FIELDS);
  const unknown = Object.keys(fields).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) warn(`warning: ${where}: ignoring unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const checked = checkSchema(llmDocumentSchema, { ...fields, kind: 'Llm' });
  if (!checked.ok) throw new UsageError(`${where} (kind Llm) is invalid: ${checked.problems}`);
  const { kind: _kind, name, apiKeyEnv, apiKey: literalKey, ...update } = checked.value;
  if (apiKeyEnv !== undefined && literalKey !== undefined) {
    throw new UsageError(`${where} (llm/${name}) sets both apiKey and apiKeyEnv; keep one (apiKeyEnv keeps the key out of the file)`);
  }
  const apiKey = apiKeyEnv === undefined ? literalKey : apiKeyFromEnv(apiKeyEnv, env, `apiKeyEnv of ${where}`);
  return { name, update, apiKey };
}

/** The `POST` body for a new LLM: cleared (`null`) fields are simply not set. */
export function llmCreateFromSpec(spec: LlmSpec): LlmCreate {
  const { type, model, url, tier, visibility } = spec.update;
  if (type === undefined || model === undefined || url === undefined) {
    throw new UsageError(`llm/${spec.name} needs type, model and url to be created`);
  }
  return {
    name: spec.name,
    type,
    model,
    url,
    ...(spec.apiKey == null ? {} : { apiKey: spec.apiKey }),
    ...(tier === undefined ? {} : { tier }),
    ...(visibility === undefined ? {} : { visibility }),
    ...(spec.update.description == null ? {} : { description: spec.update.description }),
    ...(spec.update.poolName == null ? {} : { poolName: spec.update.poolName }),
    ...(spec.update.maxConcurrent == null ? {} : { maxConcurrent: spec.update.maxConcurrent }),
  };
}

/** True when sending the spec would change the LLM (a new API key always counts: it cannot be compared; removing one counts when there is one). */
export function llmSpecChanges(spec: LlmSpec, current: LlmView): boolean {
  if (typeof spec.apiKey === 'string' || (spec.apiKey === null && current.hasApiKey)) return true;
  return Object.entries(spec.update).some(([field, value]) => value !== undefined && current[field as keyof LlmView] !== value);
}
