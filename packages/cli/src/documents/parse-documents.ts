import { parseAllDocuments } from 'yaml';
import { UsageError } from '../errors.js';

/** One resource document of an `apply` input, numbered from 1 in reading order. */
export interface SourceDocument {
  /** The input it was read from (a file name, or `stdin`), as messages name it. */
  source: string;
  index: number;
  /** The document's `kind` field (`Llm`, …), or undefined when it has none. */
  kind: string | undefined;
  fields: Record<string, unknown>;
}

/**
 * Reads every resource document of a YAML or JSON text: YAML documents separated by
 * `---`, a JSON array, or `{kind: List, items: [...]}` (in either syntax). Empty YAML
 * documents are skipped. `source` names the input in error messages.
 */
export function parseDocuments(text: string, source: string): SourceDocument[] {
  const values = looksLikeJson(text) ? [parseJson(text, source)] : parseYaml(text, source);
  const documents: SourceDocument[] = [];
  for (const value of values.flatMap(expandLists)) {
    if (value === null || value === undefined) continue;
    const index = documents.length + 1;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${source}: document ${index} is not a mapping of fields`);
    }
    const fields = value as Record<string, unknown>;
    documents.push({ source, index, kind: typeof fields.kind === 'string' ? fields.kind : undefined, fields });
  }
  return documents;
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * How messages name a document: `llms.yaml: document 2`, followed by `(llm/NAME)` once
 * `subject` says what it describes.
 */
export function documentWhere(document: SourceDocument, subject?: string): string {
  return `${document.source}: document ${document.index}${subject === undefined ? '' : ` (${subject})`}`;
}

function parseYaml(text: string, source: string): unknown[] {
  return parseAllDocuments(text).map((document, position) => {
    const problem = document.errors[0];
    if (problem !== undefined) {
      throw new UsageError(`${source}: YAML document ${position + 1} is invalid: ${yamlProblem(problem.message)}`, { cause: problem });
    }
    return document.toJS() as unknown;
  });
}

/**
 * The parser's reason (`… at line 5, column 6:`) with the line it points at and the caret under
 * it, indented below the error line; the blank lines the parser puts around them are dropped.
 */
function yamlProblem(message: string): string {
  const [reason = '', ...excerpt] = message.trimEnd().split('\n');
  const shown = excerpt.filter((line) => line.trim() !== '');
  return shown.length === 0 ? reason.replace(/:$/, '') : [reason, ...shown.map((line) => `  ${line}`)].join('\n');
}

/** A JSON array and a `kind: List` stand for the documents they hold. */
function expandLists(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(expandLists);
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List') {
    const items = (value as { items?: unknown }).items;
    return Array.isArray(items) ? items.flatMap(expandLists) : [];
  }
  return [value];
}
