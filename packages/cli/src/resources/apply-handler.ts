import type { ApiClient } from '../api-client.js';
import type { CliEnvironment } from '../credentials.js';
import type { SourceDocument } from '../documents/parse-documents.js';

/** What `apply` did to one resource. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** Reports a warning line on stderr (`warning: …`). */
export type Warn = (text: string) => void;

/** A document checked on its own, before mcpd is asked anything. */
export interface PreparedDocument {
  /** `llm/NAME`, as printed before the outcome. */
  label: string;
  /**
   * Reads the resource from mcpd and decides what to send, checking what depends on it (a new
   * LLM needs `type`, `model` and `url`). Sends nothing: every document is planned before the
   * first change is sent. Throws a `UsageError` when the document cannot apply.
   */
  plan(client: ApiClient, warn: Warn): Promise<ApplyPlan>;
}

/** What applying one document will send. */
export interface ApplyPlan {
  /** Sends it (nothing for `unchanged`) and says what happened. */
  send(client: ApiClient): Promise<ApplyOutcome>;
}

/** A plan that sends nothing. */
export const UNCHANGED: ApplyPlan = { send: async () => 'unchanged' };

/** Applies one document kind (`Llm`, `Agent`, `User`, `RoleBinding`). */
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
  /** Validates the document on its own; throws a `UsageError` naming it. Warnings go to `warn`. */
  prepare(document: SourceDocument, env: CliEnvironment, warn: Warn): PreparedDocument;
}
