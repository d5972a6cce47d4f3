import { BatchRefusedError, CliError, formatCliError, ItemError, UsageError } from '../errors.js';
import type { Printer } from '../printer.js';
import { parseDocuments, type SourceDocument } from './parse-documents.js';
import type { Source } from './read-sources.js';

/** A document's problem, or an input's that could not be read into documents, with its place in reading order. */
export interface DocumentProblem {
  at: number;
  error: CliError;
  unreadable?: true;
}

/** The documents of every input of one run, each with its place in reading order. */
export interface ReadDocuments {
  documents: SourceDocument[];
  positions: Map<SourceDocument, number>;
  problems: DocumentProblem[];
}

/**
 * The documents of every input, numbered in reading order. An input that is not valid YAML or
 * JSON is a problem of its own, in its place, and the other inputs are still read and checked.
 */
export function readDocuments(sources: readonly Source[]): ReadDocuments {
  const documents: SourceDocument[] = [];
  const positions = new Map<SourceDocument, number>();
  const problems: DocumentProblem[] = [];
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
 * Nothing is sent while any document has a problem. A single one ends the run as itself; several
 * are each printed on a line of their own, in reading order, so a file is mended in one round,
 * not one per document, and the run ends with how many (exit 2 when each was bad input, else 1).
 * When mcpd could not be asked about the other documents (`unasked`), the last line says so and why.
 */
export function stopOnProblems(
  printer: Printer,
  read: ReadDocuments,
  source: string,
  outcome: 'applied' | 'deleted',
  unasked?: CliError,
): void {
  const errors = [...read.problems].sort((left, right) => left.at - right.at).map((problem) => problem.error);
  // Not about any one document, though met while planning one: said without that document's name.
  const reason = unasked instanceof ItemError ? unasked.reason : unasked;
  const why = reason?.message;
  const [only] = errors;
  if (only === undefined) {
    if (reason === undefined) return;
    throw new BatchRefusedError(`mcpd could not be asked about the documents in ${source} (${reason.message}); nothing was ${outcome}`, reason.exitCode, {
      ...(reason.hint === undefined ? {} : { hint: reason.hint }),
      cause: unasked,
    });
  }
  if (errors.length === 1 && unasked === undefined) throw only;
  for (const error of errors) printer.error(formatCliError(error));
  const exitCode = errors.every((error) => error.exitCode === 2) ? 2 : 1;
  const others = why === undefined ? '' : `; mcpd could not be asked about the others (${why})`;
  const documentCount = read.documents.length + read.problems.filter((problem) => problem.unreadable).length;
  throw new BatchRefusedError(`${errors.length} of ${documentCount} documents in ${source} refused${others}; nothing was ${outcome}`, exitCode);
}
