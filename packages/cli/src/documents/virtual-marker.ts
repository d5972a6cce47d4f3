import { UsageError } from '../errors.js';
import type { SourceDocument } from './parse-documents.js';

/**
 * The document field saying its LLM or agent is virtual: published by a member's mcplocal, not
 * registered with mcpd. `get -o yaml` writes `virtual: true` because the document's `kind` says
 * `Llm` or `Agent`; `get -o json` keeps the view's `kind: virtual`. `apply` reads either, so a
 * saved document of a virtual resource never creates a public one that takes its name: mcpd
 * refuses a publisher's registration over a public name.
 */
export const VIRTUAL_FIELD = 'virtual';

/** How a document says it describes a virtual resource, as messages quote it. */
export type VirtualMarker = 'virtual: true' | 'kind: virtual';

/** The document's marker; `value` is its `virtual` field. Throws a `UsageError` after `invalid` for a value other than a boolean. */
export function readVirtualMarker(document: SourceDocument, value: unknown, invalid: string): VirtualMarker | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new UsageError(`${invalid}: ${VIRTUAL_FIELD}: true marks a resource an mcplocal publishes; leave it out for a public one`);
  }
  if (value === true) return 'virtual: true';
  return document.kind === 'virtual' ? 'kind: virtual' : undefined;
}

/** The edit that makes a document with `marker` describe a public resource of `kind` (`Llm`, `Agent`). */
function withoutMarker(marker: VirtualMarker, kind: string): string {
  return marker === 'virtual: true' ? 'remove virtual: true' : `change kind: virtual to kind: ${kind}`;
}

/** What a marked document names when mcpd holds nothing of its name. */
export interface UnpublishedVirtual {
  /** `agent`, `LLM`: how messages name the resource. */
  noun: string;
  /** The document kind of a public one: `Agent`, `Llm`. */
  kind: string;
  name: string;
  marker: VirtualMarker;
  /** What else a public one needs, said after the marker's removal (`and set url`). */
  alsoNeeds?: string;
}

/**
 * The refusal of a document marked virtual for a resource mcpd does not show: only its
 * publisher can create it, and a public one of its name would keep that publisher out.
 */
export function unpublishedVirtualError(subject: UnpublishedVirtual): UsageError {
  const { noun, kind, name, marker, alsoNeeds } = subject;
  const makePublic = `${withoutMarker(marker, kind)}${alsoNeeds === undefined ? '' : ` ${alsoNeeds}`}`;
  return new UsageError(`${noun} ${name} is virtual and not published now (mcpd shows you no ${noun} of that name)`, {
    hint: `start the mcplocal whose config.json lists it and apply again, or ${makePublic} to create a public ${noun} of that name`,
  });
}

/**
 * The warning for a document marked virtual whose name mcpd holds as a public resource: apply
 * updates it like any public one, and says that no mcplocal can publish that name meanwhile.
 */
export function publicNotVirtualWarning(where: string, noun: string, name: string, marker: VirtualMarker): string {
  return `warning: ${where}: the document says ${marker}, but ${noun} ${name} is public: applying it as a public ${noun} (no mcplocal can publish ${name} while it exists; to let one publish it again, delete the public ${noun} with mcpctl delete ${noun.toLowerCase()} ${name})`;
}
