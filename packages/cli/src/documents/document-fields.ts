import { closestName } from '@mcpctl/protocol';
import { UsageError } from '../errors.js';
import { documentWhere, type SourceDocument } from './parse-documents.js';

/** What a kind's documents may hold besides `kind`. */
export interface DocumentFieldRules {
  /** Fields the document may set. */
  known: ReadonlySet<string>;
  /** Fields mcpd manages itself: `get -o yaml` prints them and `apply` drops them, so its output applies back. */
  serverManaged: readonly string[];
}

/**
 * The rules of a kind: `known` fields are the document schema's; server-managed ones are those
 * the protocol lists, and any other field of the view the document does not take, so a field
 * a newer view adds applies back without a warning.
 */
export function documentFieldRules(known: Iterable<string>, view: { shape: object }, listed: readonly string[]): DocumentFieldRules {
  const knownSet = new Set(known);
  const fromView = Object.keys(view.shape).filter((field) => !knownSet.has(field));
  return { known: knownSet, serverManaged: [...new Set([...listed, ...fromView])] };
}

/**
 * The fields of a document its kind takes, without `kind` and the server-managed ones; `subject`
 * names the document in messages (`documentSubject`). An
 * unknown field refuses the document, as kubectl's strict validation does: a misspelt field
 * would otherwise look applied, and a misspelt `visibility` would share what was meant private.
 */
export function documentFields(document: SourceDocument, rules: DocumentFieldRules, subject: string): Record<string, unknown> {
  const fields = Object.entries(document.fields).filter(([field]) => field !== 'kind' && !rules.serverManaged.includes(field));
  const unknown = fields.filter(([field]) => !rules.known.has(field)).map(([field]) => field);
  if (unknown.length > 0) {
    const named = unknown.map((field) => {
      const meant = closestName(field, rules.known);
      return meant === undefined ? field : `${field} (did you mean ${meant}?)`;
    });
    const many = unknown.length > 1;
    throw new UsageError(`${documentWhere(document, subject)} has unknown field${many ? 's' : ''} ${named.join(', ')}; correct ${many ? 'them' : 'it'} or remove ${many ? 'them' : 'it'}`);
  }
  return Object.fromEntries(fields);
}

/** `llm/NAME` once the document's name is a string, else `kind Llm`: how a document is named before it is valid. */
export function documentSubject(document: SourceDocument, prefix: string, kind: string): string {
  return typeof document.fields.name === 'string' ? `${prefix}/${document.fields.name}` : `kind ${kind}`;
}
