import type { ApiClient } from '../api-client.js';
import type { CliEnvironment } from '../credentials.js';
import type { SourceDocument } from '../documents/parse-documents.js';
import type { ApplyReferences, GivenNames } from './apply-references.js';

/** What `apply` did to one resource. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** Reports a warning line on stderr (`warning: …`). */
export type Warn = (text: string) => void;

/** What every plan of one run is handed. */
export interface PlanContext {
  client: ApiClient;
  warn: Warn;
  /** What the run's documents may refer to (an agent's LLM, a binding's user), read once per run. */
  references: ApplyReferences;
}

/** A document checked on its own, before mcpd is asked anything. */
export interface PreparedDocument {
  /** `llm/NAME`, as printed before the outcome. */
  label: string;
  /**
   * Reads the resource from mcpd and decides what to send, checking what depends on it (a new
   * LLM needs `type`, `model` and `url`) and what it refers to (an agent's `llm`). Sends
   * nothing: every document is planned before the first change is sent. Throws a `UsageError`
   * when the document cannot apply.
   */
  plan(context: PlanContext): Promise<ApplyPlan>;
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
  /**
   * The names the document gives (an LLM and its pool, a user), which other documents of the run
   * may refer to. Read from its fields even when it is invalid: a document referring to it is
   * then not refused for that as well.
   */
  givenNames?(document: SourceDocument): GivenNames;
  /** Validates the document on its own; throws a `UsageError` naming it. Warnings go to `warn`. */
  prepare(document: SourceDocument, env: CliEnvironment, warn: Warn): PreparedDocument;
}
