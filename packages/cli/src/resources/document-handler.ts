import { closestName } from '@mcpctl/protocol';
import { documentWhere, type SourceDocument } from '../documents/parse-documents.js';
import { isReadOnlyKind, READ_ONLY_KINDS } from '../documents/read-only-kinds.js';
import { UsageError } from '../errors.js';
import { agentApplyHandler } from './agent/apply.js';
import type { ApplyHandler } from './apply-handler.js';
import { llmApplyHandler } from './llm/apply.js';
import { roleBindingApplyHandler } from './rolebinding/apply.js';
import { userApplyHandler } from './user/apply.js';

/**
 * The kinds documents are written with, in the order `apply` sends their changes: a binding names
 * a user, an agent an LLM, so users and LLMs go first (`delete -f` goes the other way).
 */
export const DOCUMENT_HANDLERS: readonly ApplyHandler[] = [userApplyHandler, llmApplyHandler, agentApplyHandler, roleBindingApplyHandler];

/**
 * The handler of the document's kind; for an alias (a view's `public`), the one that claims it
 * first. A kind no handler takes is refused with what `verb` (the command) makes of it: a kind
 * `get -o yaml` prints but `apply` does not take is explained, a near miss (`llm`, `Tokn`) named.
 */
export function documentHandler(document: SourceDocument, verb: 'apply' | 'delete -f'): ApplyHandler {
  const exact = DOCUMENT_HANDLERS.find((candidate) => candidate.kind === document.kind);
  if (exact !== undefined) return exact;
  const candidates = DOCUMENT_HANDLERS.filter((candidate) => candidate.aliases?.includes(document.kind ?? '') === true);
  const handler = candidates.find((candidate) => candidate.claims?.(document) === true) ?? candidates.find((candidate) => candidate.claims === undefined);
  if (handler !== undefined) return handler;
  const known = DOCUMENT_HANDLERS.map((candidate) => candidate.kind);
  if (isReadOnlyKind(document.kind)) {
    const why = verb === 'apply' ? READ_ONLY_KINDS[document.kind] : `${verb} takes only ${known.join(', ')}${READ_ONLY_DELETES[document.kind] ?? ''}`;
    throw new UsageError(`${documentWhere(document)} is kind ${document.kind}: ${why}`);
  }
  if (document.kind === undefined) throw new UsageError(`${documentWhere(document)} has no kind (known kinds: ${known.join(', ')})`);
  // Kinds are matched exactly, as kubectl matches them.
  const meant = closestName(document.kind, [...known, ...Object.keys(READ_ONLY_KINDS)]);
  throw new UsageError(`${documentWhere(document)} has unknown kind '${document.kind}' (${meant === undefined ? '' : `did you mean ${meant}? `}known kinds: ${known.join(', ')})`);
}

/** How a kind `get -o yaml` prints, and `delete -f` does not take, is deleted instead. */
const READ_ONLY_DELETES: Partial<Record<keyof typeof READ_ONLY_KINDS, string>> = {
  Token: "; revoke a token with 'mcpctl delete token NAME'",
  Thread: "; delete a thread with 'mcpctl delete thread ID'",
};
