import { isDeepStrictEqual } from 'node:util';
import { agentDocumentSchema, SERVER_MANAGED_AGENT_FIELDS, type AgentCreate, type AgentUpdate, type AgentView } from '@mcpctl/protocol';
import type { SourceDocument } from '../../documents/parse-documents.js';
import { withoutFields } from '../../documents/without-fields.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';

/** A `kind: Agent` document turned into what mcpd accepts. */
export interface AgentSpec {
  name: string;
  /** The fields the document sets, in `PUT` form: `null` clears, absent keeps. */
  update: AgentUpdate;
}

const KNOWN_FIELDS = new Set<string>([...Object.keys(agentDocumentSchema.shape), ...SERVER_MANAGED_AGENT_FIELDS]);

/** Refusal for agents mcplocal publishes: the next register would undo any change made here. */
export function virtualAgentRefusal(subject: string): string {
  return `${subject} is a virtual agent: mcplocal publishes it, so change it in mcplocal's config.json instead`;
}

/**
 * Validates a document of `kind: Agent`, or an agent view as `get -o json` prints it
 * (whose `kind` is `public`). Server-managed fields are dropped so `get` output applies
 * back; unknown fields are reported through `warn`, since a misspelt field would otherwise
 * look applied.
 */
export function agentSpecFromDocument(document: SourceDocument, warn: (text: string) => void): AgentSpec {
  const where = `document ${document.index}`;
  if (document.kind === 'virtual') {
    const name = typeof document.fields.name === 'string' ? ` (agent/${document.fields.name})` : '';
    throw new UsageError(virtualAgentRefusal(`${where}${name}`));
  }
  const fields = withoutFields(document.fields, SERVER_MANAGED_AGENT_FIELDS);
  const unknown = Object.keys(fields).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) warn(`warning: ${where}: ignoring unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const checked = checkSchema(agentDocumentSchema, { ...fields, kind: 'Agent' });
  if (!checked.ok) throw new UsageError(`${where} (kind Agent) is invalid: ${checked.problems}`);
  const { kind: _kind, name, ...update } = checked.value;
  return { name, update };
}

/** The `POST` body for a new agent: cleared (`null`) fields are simply not set. */
export function agentCreateFromSpec(spec: AgentSpec): AgentCreate {
  const { llm, description, systemPrompt, project, defaultParams, extras, visibility } = spec.update;
  if (llm === undefined) throw new UsageError(`agent/${spec.name} needs llm to be created`);
  return {
    name: spec.name,
    llm,
    ...(description == null ? {} : { description }),
    ...(systemPrompt == null ? {} : { systemPrompt }),
    ...(project == null ? {} : { project }),
    ...(defaultParams === undefined ? {} : { defaultParams }),
    ...(extras === undefined ? {} : { extras }),
    ...(visibility === undefined ? {} : { visibility }),
  };
}

/** True when sending the spec would change the agent; parameters and extras compare by value. */
export function agentSpecChanges(spec: AgentSpec, current: AgentView): boolean {
  return Object.entries(spec.update).some(
    ([field, value]) => value !== undefined && !isDeepStrictEqual(current[field as keyof AgentView], value),
  );
}
