import { Option, type Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { readDocuments, stopOnProblems, type DocumentProblem } from '../documents/document-problems.js';
import { documentWhere, type SourceDocument } from '../documents/parse-documents.js';
import { readSources } from '../documents/read-sources.js';
import { wordList } from '../format/word-list.js';
import { ApiError, CliError, formatCliError, ItemError, PartialFailureError, UsageError } from '../errors.js';
import type { ApplyPlan, PreparedDocument } from '../resources/apply-handler.js';
import { ApplyReferences, type GivenNames } from '../resources/apply-references.js';
import { DOCUMENT_HANDLERS, documentHandler } from '../resources/document-handler.js';


/** A document checked on its own, with where it came from. */
interface Entry {
  document: SourceDocument;
  prepared: PreparedDocument;
  /** Its kind's place in `DOCUMENT_HANDLERS`: when its change is sent (documents of one kind keep the file's order). */
  order: number;
}

/**
 * `mcpctl apply -f FILE|DIR|- [-f …]`, in three passes so a bad document leaves nothing half applied:
 * every document is validated, then every resource is read, what it refers to (an agent's LLM, a
 * binding's user) checked and its change decided, and only then are the changes sent (users,
 * LLMs, agents, role bindings, in that order). The first two passes go through every document
 * and report every problem they find; the changes are sent only when there is none. A change
 * mcpd refuses is reported naming its document, and the others are still sent.
 */
export function registerApply(program: Command, context: CliContext): void {
  program
    .command('apply')
    .description('create or update resources from YAML or JSON documents')
    .addOption(
      new Option('-f, --filename <file>', "file or directory to read, or '-' for stdin; repeat it for several")
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
        .makeOptionMandatory(),
    )
    .action(async (options: { filename: string[] }) => {
      const sources = await readSources(options.filename, context.io.stdin);
      const source = wordList([...new Set(options.filename.map((path) => (path === '-' ? 'stdin' : path)))]);
      const read = readDocuments(sources);
      const { documents, positions, problems } = read;
      if (documents.length === 0 && problems.length === 0) {
        // `get -o yaml` of an empty list prints nothing (`-o json`: `[]`): applying it back is no mistake.
        context.printer.notice(`${source} ${options.filename.length > 1 ? 'hold' : 'holds'} no documents: nothing to apply`);
        return;
      }
      const warn = (text: string): void => context.printer.notice(text);
      const { entries, given } = prepareAll(documents, positions, problems, context, warn);
      // Documents that passed their own check are still planned while others failed it: what
      // mcpd holds may refuse them too, and one run names every document with a problem. What a
      // plan warns of is said only once the changes go.
      const planWarnings: string[] = [];
      const planned = entries.length === 0 ? { plans: [] } : await planAll(context, entries, given, positions, problems, (text) => planWarnings.push(text));
      stopOnProblems(context.printer, read, source, 'applied', planned.unasked);
      for (const text of planWarnings) warn(text);
      await sendAll(context, await context.api(), entries, planned.plans, source);
    });
}

/**
 * Pass two: each document's resource read and its change decided, and what it refers to checked
 * against what mcpd holds and the names the run gives. A refusal about the document joins
 * `problems`. A failure that is not about one (no credentials, mcpd gone, the token refused)
 * ends the planning: it is thrown when nothing else is wrong, and otherwise handed back as
 * `unasked`, so the problems found still read as the bad input they are.
 */
async function planAll(
  context: CliContext,
  entries: readonly Entry[],
  given: readonly GivenNames[],
  positions: ReadonlyMap<SourceDocument, number>,
  problems: DocumentProblem[],
  warn: (text: string) => void,
): Promise<{ plans: ApplyPlan[]; unasked?: CliError }> {
  const plans: ApplyPlan[] = [];
  try {
    const client = await context.api();
    const planContext = { client, warn, references: new ApplyReferences(client, given) };
    for (const entry of entries) {
      try {
        plans.push(await naming(entry, () => entry.prepared.plan(planContext)));
      } catch (error) {
        if (!refusesDocument(error)) throw error;
        problems.push({ at: positions.get(entry.document) ?? 0, error });
      }
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { plans, unasked: error };
  }
  return { plans };
}

/**
 * Whether a plan's failure is about its document: what mcpd holds refuses it (an absent virtual
 * LLM, a resource the caller may not read). An unknown token (401), a throttled client (429) or an
 * unreachable or failing mcpd would fail every document alike.
 */
function refusesDocument(error: unknown): error is ItemError {
  if (!(error instanceof ItemError)) return false;
  const { reason } = error;
  if (reason instanceof UsageError) return true;
  return reason instanceof ApiError && reason.status >= 400 && reason.status < 500 && reason.status !== 401 && reason.status !== 429;
}

/**
 * Pass one: every document checked on its own, and against the others (one resource, one
 * document); every problem kept. With the entries come the names the documents give, which the
 * plans of the others may refer to.
 */
function prepareAll(
  documents: readonly SourceDocument[],
  positions: ReadonlyMap<SourceDocument, number>,
  problems: DocumentProblem[],
  context: CliContext,
  warn: (text: string) => void,
): { entries: Entry[]; given: GivenNames[] } {
  const entries: Entry[] = [];
  const given: GivenNames[] = [];
  const first = new Map<string, SourceDocument>();
  for (const document of documents) {
    try {
      const handler = documentHandler(document, 'apply');
      if (handler.givenNames !== undefined) given.push(handler.givenNames(document));
      const prepared = handler.prepare(document, context.env, warn);
      // Two documents for one resource would each be planned against what mcpd holds before either is sent.
      const earlier = first.get(prepared.label);
      if (earlier !== undefined) {
        const both = earlier.source === document.source ? `${document.source}: documents ${earlier.index} and ${document.index}` : `${documentWhere(earlier)} and ${documentWhere(document)}`;
        throw new UsageError(`${both} both describe ${prepared.label}; merge them into one`);
      }
      first.set(prepared.label, document);
      entries.push({ document, prepared, order: DOCUMENT_HANDLERS.indexOf(handler) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      problems.push({ at: positions.get(document) ?? 0, error });
    }
  }
  return { entries: entries.sort((left, right) => left.order - right.order), given };
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
