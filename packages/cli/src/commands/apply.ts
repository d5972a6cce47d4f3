import type { Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { documentWhere, parseDocuments, type SourceDocument } from '../documents/parse-documents.js';
import { readSource } from '../documents/read-source.js';
import { ApiError, CliError, formatCliError, ItemError, PartialFailureError, UsageError } from '../errors.js';
import type { ApplyHandler, ApplyPlan, PreparedDocument } from '../resources/apply-handler.js';
import { agentApplyHandler } from '../resources/agent/apply.js';
import { llmApplyHandler } from '../resources/llm/apply.js';
import { roleBindingApplyHandler } from '../resources/rolebinding/apply.js';
import { userApplyHandler } from '../resources/user/apply.js';

/**
 * In the order changes are sent, whatever the file's order: a binding names a user, an agent an
 * LLM, so users and LLMs go first. Documents of one kind keep the file's order.
 */
const HANDLERS: readonly ApplyHandler[] = [userApplyHandler, llmApplyHandler, agentApplyHandler, roleBindingApplyHandler];

/** A document checked on its own, with where it came from. */
interface Entry {
  document: SourceDocument;
  prepared: PreparedDocument;
  /** Its kind's place in `HANDLERS`: when its change is sent. */
  order: number;
}

/**
 * `mcpctl apply -f FILE|-`, in three passes so a bad document leaves nothing half applied:
 * every document is validated, then every resource is read and its change decided, and only
 * then are the changes sent (users, LLMs, agents, role bindings, in that order). A change mcpd refuses is reported naming its document, and the
 * others are still sent.
 */
export function registerApply(program: Command, context: CliContext): void {
  program
    .command('apply')
    .description('create or update resources from YAML or JSON documents')
    .requiredOption('-f, --filename <file>', "file to read, or '-' for stdin")
    .action(async (options: { filename: string }) => {
      const source = options.filename === '-' ? 'stdin' : options.filename;
      const documents = parseDocuments(await readSource(options.filename, context.io.stdin), source);
      if (documents.length === 0) {
        // `get -o yaml` of an empty list prints nothing (`-o json`: `[]`): applying it back is no mistake.
        context.printer.notice(`${source} holds no documents: nothing to apply`);
        return;
      }
      const warn = (text: string): void => context.printer.notice(text);
      const entries = documents
        .map((document) => {
          const handler = handlerFor(document);
          return { document, prepared: handler.prepare(document, context.env, warn), order: HANDLERS.indexOf(handler) };
        })
        .sort((left, right) => left.order - right.order);
      refuseRepeats(entries);
      const client = await context.api();
      const plans: ApplyPlan[] = [];
      for (const entry of entries) plans.push(await naming(entry, () => entry.prepared.plan(client, warn)));
      await sendAll(context, client, entries, plans, source);
    });
}

async function sendAll(context: CliContext, client: ApiClient, entries: readonly Entry[], plans: readonly ApplyPlan[], source: string): Promise<void> {
  let failed = 0;
  for (const [position, entry] of entries.entries()) {
    try {
      const outcome = await naming(entry, () => plans[position]!.send(client));
      context.printer.line(`${entry.prepared.label} ${outcome}`);
    } catch (error) {
      // mcpd refused this one: the next documents may well be fine. Anything else (mcpd gone) ends the run.
      if (!(error instanceof ItemError && error.reason instanceof ApiError)) throw error;
      context.printer.error(formatCliError(error));
      failed += 1;
    }
  }
  if (failed > 0) throw new PartialFailureError(`${failed} of ${entries.length} document${entries.length > 1 ? 's' : ''} in ${source} not applied`);
}

/** Runs one step of a document's apply; a failure is re-thrown naming the document. */
async function naming<T>(entry: Entry, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof CliError && !(error instanceof ItemError)) throw new ItemError(documentWhere(entry.document, entry.prepared.label), error);
    throw error;
  }
}

/** Two documents for one resource would each be planned against what mcpd holds before either is sent. */
function refuseRepeats(entries: readonly Entry[]): void {
  const first = new Map<string, SourceDocument>();
  for (const { document, prepared } of entries) {
    const earlier = first.get(prepared.label);
    if (earlier !== undefined) {
      throw new UsageError(`${document.source}: documents ${earlier.index} and ${document.index} both describe ${prepared.label}; merge them into one`);
    }
    first.set(prepared.label, document);
  }
}

/** The handler of the document's kind; for an alias (a view's `public`), the one that claims it first. */
function handlerFor(document: SourceDocument): ApplyHandler {
  const exact = HANDLERS.find((candidate) => candidate.kind === document.kind);
  if (exact !== undefined) return exact;
  const candidates = HANDLERS.filter((candidate) => candidate.aliases?.includes(document.kind ?? '') === true);
  const handler = candidates.find((candidate) => candidate.claims?.(document) === true) ?? candidates.find((candidate) => candidate.claims === undefined);
  if (handler !== undefined) return handler;
  const known = HANDLERS.map((candidate) => candidate.kind).join(', ');
  const kind = document.kind === undefined ? 'no kind' : `unknown kind '${document.kind}'`;
  throw new UsageError(`${documentWhere(document)} has ${kind} (known kinds: ${known})`);
}
