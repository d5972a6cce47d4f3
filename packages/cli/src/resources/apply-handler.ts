import type { ApiClient } from '../api-client.js';
import type { CliEnvironment } from '../credentials.js';
import type { SourceDocument } from '../documents/parse-documents.js';

/** What `apply` did to one resource. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** A validated document, ready to send. */
export interface PreparedDocument {
  /** `llm/NAME`, as printed before the outcome. */
  label: string;
  apply(client: ApiClient): Promise<ApplyOutcome>;
}

/** Applies one document kind (`Llm`, later `Agent`, `User`, `RoleBinding`). */
export interface ApplyHandler {
  /** The kind documents are written with. */
  kind: string;
  /** Other `kind` values this handler recognises (an LLM view's `public`/`virtual`). */
  aliases?: readonly string[];
  /**
   * For a document whose kind is one of `aliases`: whether it is this handler's. Needed when
   * two handlers share an alias (LLM and agent views both say `public`); a handler that
   * claims a document wins over one that does not say.
   */
  claims?(document: SourceDocument): boolean;
  /** Validates the document before anything is sent; throws a `UsageError` naming it. */
  prepare(document: SourceDocument, env: CliEnvironment): PreparedDocument;
}
