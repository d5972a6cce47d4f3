import { agentCreateSchema, agentUpdateSchema, agentViewSchema, SERVER_MANAGED_AGENT_FIELDS, type AgentCreate, type AgentUpdate, type AgentView } from '@mcpctl/protocol';
import { documentFieldRules, documentFields, documentSubject } from '../../documents/document-fields.js';
import { documentWhere, type SourceDocument } from '../../documents/parse-documents.js';
import { readVirtualMarker, VIRTUAL_FIELD, type VirtualMarker } from '../../documents/virtual-marker.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { changedFields } from '../document-changes.js';
import { assertAgentParams, warnMisspeltParams } from './agent-params.js';

/** The fields of a `kind: Agent` document: those of mcpd's `PUT` body, with its bounds, plus the name. */
const agentDocumentFieldsSchema = agentUpdateSchema.extend({ name: agentCreateSchema.shape.name });

const FIELD_RULES = documentFieldRules([...Object.keys(agentDocumentFieldsSchema.shape), VIRTUAL_FIELD], agentViewSchema, SERVER_MANAGED_AGENT_FIELDS);

/** A `kind: Agent` document turned into what mcpd accepts. */
export interface AgentSpec {
  name: string;
  /** How messages name the document: `agents.yaml: document 2 (agent/NAME)`. */
  where: string;
  /** The fields the document sets, in `PUT` form: `null` clears, absent keeps. */
  update: AgentUpdate;
  /** Set when the document says the agent is virtual: apply then never creates it. */
  virtual: VirtualMarker | undefined;
}

/**
 * Validates a document of `kind: Agent`, or an agent view as `get -o json` prints it (whose
 * `kind` is `public` or `virtual`), against the bounds mcpd enforces. Server-managed fields are
 * dropped so `get` output applies back; the virtual marker is kept apart from the fields sent.
 * `llm` is needed only to create the agent (`agentCreateFromSpec`).
 */
export function agentSpecFromDocument(document: SourceDocument, warn: (text: string) => void): AgentSpec {
  const { [VIRTUAL_FIELD]: marked, ...fields } = documentFields(document, FIELD_RULES, documentSubject(document, 'agent', 'Agent'));
  const invalid = `${documentWhere(document, documentSubject(document, 'agent', 'Agent'))} is invalid`;
  const virtual = readVirtualMarker(document, marked, invalid);
  const checked = checkSchema(agentDocumentFieldsSchema, fields);
  if (!checked.ok) throw new UsageError(`${invalid}: ${checked.problems}`);
  const { name, ...update } = checked.value;
  const where = documentWhere(document, `agent/${name}`);
  assertAgentParams(`${where} is invalid`, update.defaultParams);
  warnMisspeltParams(where, update.defaultParams, warn);
  return { name, where, update, virtual };
}

/**
 * The `POST` body for a new agent, which needs `llm`; cleared (`null`) fields are simply not
 * set. Throws a `UsageError` the caller prefixes with the document's name.
 */
export function agentCreateFromSpec(spec: AgentSpec): AgentCreate {
  const { llm, description, systemPrompt, project, defaultParams, extras, visibility } = spec.update;
  if (llm === undefined) throw new UsageError(`no agent ${spec.name} yet, and creating one needs llm (the LLM or pool that answers)`);
  const body = {
    name: spec.name,
    llm,
    ...(description == null ? {} : { description }),
    ...(systemPrompt == null ? {} : { systemPrompt }),
    ...(project == null ? {} : { project }),
    ...(defaultParams === undefined ? {} : { defaultParams }),
    ...(extras === undefined ? {} : { extras }),
    ...(visibility === undefined ? {} : { visibility }),
  };
  const checked = checkSchema(agentCreateSchema, body);
  if (!checked.ok) throw new UsageError(`cannot create agent ${spec.name}: ${checked.problems}`);
  return checked.value;
}

/** True when sending the spec would change the agent; parameters and extras compare by value. */
export function agentSpecChanges(spec: AgentSpec, current: AgentView): boolean {
  return changedFields(spec.update, current).length > 0;
}
