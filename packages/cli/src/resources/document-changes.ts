import { isDeepStrictEqual } from 'node:util';
import { wordList } from '../format/word-list.js';

/** The names of the fields a document sets (absent keeps, `null` clears) to a value other than the resource's. */
export function changedFields(fields: Readonly<Record<string, unknown>>, current: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(fields)
    .filter(([field, value]) => value !== undefined && !isDeepStrictEqual(current[field] ?? null, value))
    .map(([field]) => field);
}

/**
 * What a document may change of a virtual LLM or agent. Its publisher (mcplocal) sets most
 * fields from its config.json at every registration, and mcpd refuses them on `PUT`; the
 * owner may change `editable` ones. `body` holds the editable fields that differ,
 * `publisherOwned` names the others that differ.
 */
export function virtualChanges(
  fields: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
  editable: readonly string[],
): { body: Record<string, unknown>; publisherOwned: string[] } {
  const changed = changedFields(fields, current);
  const body = Object.fromEntries(changed.filter((field) => editable.includes(field)).map((field) => [field, fields[field]]));
  return { body, publisherOwned: changed.filter((field) => !editable.includes(field)) };
}

/** The one line saying that a document changes fields of a virtual resource that apply leaves alone. */
export function publisherOwnedWarning(where: string, fields: readonly string[]): string {
  const list = wordList(fields);
  const verb = fields.length === 1 ? 'is' : 'are';
  return `warning: ${where}: ${list} ${verb} set in the publisher's mcplocal config.json, not by apply; left as ${fields.length === 1 ? 'it is' : 'they are'}`;
}
