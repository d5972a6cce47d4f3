import { closestName } from '@mcpctl/protocol';
import { Option, type Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { documentWhere, parseDocuments, type SourceDocument } from '../documents/parse-documents.js';
import { isReadOnlyKind, READ_ONLY_KINDS } from '../documents/read-only-kinds.js';
import { readSources, type Source } from '../documents/read-sources.js';
import { wordList } from '../format/word-list.js';
import { ApiError, BatchRefusedError, CliError, formatCliError, ItemError, PartialFailureError, UsageError } from '../errors.js';
import type { ApplyHandler, ApplyPlan, PreparedDocument } from '../resources/apply-handler.js';
import { ApplyReferences, type GivenNames } from '../resources/apply-references.js';
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
      const { documents, positions, problems } = readAll(sources);
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
      stopOnProblems(context, inReadingOrder(problems), documents.length + problems.filter((problem) => problem.unreadable).length, source, planned.unasked);
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
  problems: Problem[],
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
    if (problems.length === 0 || !(error instanceof CliError)) throw error;
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

/** A document's problem, or an input's that could not be read into documents, with its place in reading order. */
interface Problem {
  at: number;
  error: CliError;
  unreadable?: true;
}

/**
 * The documents of every input, numbered in reading order. An input that is not valid YAML or
 * JSON is a problem of its own, in its place, and the other inputs are still read and checked.
 */
function readAll(sources: readonly Source[]): { documents: SourceDocument[]; positions: Map<SourceDocument, number>; problems: Problem[] } {
  const documents: SourceDocument[] = [];
  const positions = new Map<SourceDocument, number>();
  const problems: Problem[] = [];
  for (const input of sources) {
    try {
      for (const document of parseDocuments(input.text, input.name)) {
        positions.set(document, positions.size + problems.length);
        documents.push(document);
      }
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push({ at: positions.size + problems.length, error, unreadable: true });
    }
  }
  return { documents, positions, problems };
}

/**
 * Pass one: every document checked on its own, and against the others (one resource, one
 * document); every problem kept. With the entries come the names the documents give, which the
 * plans of the others may refer to.
 */
function prepareAll(
  documents: readonly SourceDocument[],
  positions: ReadonlyMap<SourceDocument, number>,
  problems: Problem[],
  context: CliContext,
  warn: (text: string) => void,
): { entries: Entry[]; given: GivenNames[] } {
  const entries: Entry[] = [];
  const given: GivenNames[] = [];
  const first = new Map<string, SourceDocument>();
  for (const document of documents) {
    try {
      const handler = handlerFor(document);
      if (handler.givenNames !== undefined) given.push(handler.givenNames(document));
      const prepared = handler.prepare(document, context.env, warn);
      // Two documents for one resource would each be planned against what mcpd holds before either is sent.
      const earlier = first.get(prepared.label);
      if (earlier !== undefined) {
        const both = earlier.source === document.source ? `${document.source}: documents ${earlier.index} and ${document.index}` : `${documentWhere(earlier)} and ${documentWhere(document)}`;
        throw new UsageError(`${both} both describe ${prepared.label}; merge them into one`);
      }
      first.set(prepared.label, document);
      entries.push({ document, prepared, order: HANDLERS.indexOf(handler) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      problems.push({ at: positions.get(document) ?? 0, error });
    }
  }
  return { entries: entries.sort((left, right) => left.order - right.order), given };
}

/**
 * Nothing is sent while any document has a problem. A single one ends the run as itself; several
 * are each printed on a line of their own, so a file is mended in one round, not one per
 * document, and the run ends with how many (exit 2 when each was bad input, else 1). When mcpd
 * could not be asked about the other documents (`unasked`), the last line says so and why.
 */
function stopOnProblems(context: CliContext, problems: readonly Problem[], documentCount: number, source: string, unasked?: CliError): void {
  const errors = problems.map((problem) => problem.error);
  const [only] = errors;
  if (only === undefined) return;
  if (errors.length === 1 && unasked === undefined) throw only;
  for (const error of errors) context.printer.error(formatCliError(error));
  const exitCode = errors.every((error) => error.exitCode === 2) ? 2 : 1;
  // Not about any one document, though met while planning one: said without that document's name.
  const why = unasked instanceof ItemError && unasked.reason instanceof Error ? unasked.reason.message : unasked?.message;
  const others = why === undefined ? '' : `; mcpd could not be asked about the others (${why})`;
  throw new BatchRefusedError(`${errors.length} of ${documentCount} documents in ${source} refused${others}; nothing was applied`, exitCode);
}

/** Problems as the documents were read, whichever pass found them. */
function inReadingOrder(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((left, right) => left.at - right.at);
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

/** The handler of the document's kind; for an alias (a view's `public`), the one that claims it first. */
function handlerFor(document: SourceDocument): ApplyHandler {
  const exact = HANDLERS.find((candidate) => candidate.kind === document.kind);
  if (exact !== undefined) return exact;
  const candidates = HANDLERS.filter((candidate) => candidate.aliases?.includes(document.kind ?? '') === true);
  const handler = candidates.find((candidate) => candidate.claims?.(document) === true) ?? candidates.find((candidate) => candidate.claims === undefined);
  if (handler !== undefined) return handler;
  if (isReadOnlyKind(document.kind)) throw new UsageError(`${documentWhere(document)} is kind ${document.kind}: ${READ_ONLY_KINDS[document.kind]}`);
  const known = HANDLERS.map((candidate) => candidate.kind);
  if (document.kind === undefined) throw new UsageError(`${documentWhere(document)} has no kind (known kinds: ${known.join(', ')})`);
  // Kinds are matched exactly, as kubectl matches them; a near miss (`llm`, `Tokn`) is named.
  const meant = closestName(document.kind, [...known, ...Object.keys(READ_ONLY_KINDS)]);
  throw new UsageError(`${documentWhere(document)} has unknown kind '${document.kind}' (${meant === undefined ? '' : `did you mean ${meant}? `}known kinds: ${known.join(', ')})`);
}
