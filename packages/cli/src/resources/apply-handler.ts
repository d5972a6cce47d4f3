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
  /** Validates the document before anything is sent; throws a `UsageError` naming it. */
  prepare(document: SourceDocument, env: CliEnvironment): PreparedDocument;
}
