import { Document, visit } from 'yaml';

/** Where printed text goes: `process.stdout`/`stderr`, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A table column: its header (printed in caps) and how to read the cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
  /** Printed only with `-o wide`. */
  wideOnly?: boolean;
  /**
   * Printed only when some row has it (a value other than undefined): a field mcpd tells some
   * callers only (an admin), which would read as empty (`-`) to the others.
   */
  whenTold?: boolean;
}

/** A YAML document to print, with an optional comment line above it. */
export interface YamlDocument {
  value: unknown;
  comment?: string;
}

/** Shown for absent values in tables and descriptions. */
export const ABSENT = '-';
const COLUMN_GAP = '   ';

/**
 * All output of the CLI: results on stdout (tables for people, JSON and YAML for
 * machines), notices and errors on stderr.
 */
export class Printer {
  readonly stdout: TextSink;
  readonly stderr: TextSink;

  constructor(stdout: TextSink, stderr: TextSink) {
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** A result line on stdout. */
  line(text = ''): void {
    this.stdout.write(`${visible(text)}\n`);
  }

  /** Information for the person at the terminal, on stderr so it never pollutes piped output. */
  notice(text: string): void {
    this.stderr.write(`${visible(text)}\n`);
  }

  /** One error line on stderr. */
  error(message: string): void {
    this.stderr.write(`error: ${visible(message)}\n`);
  }

  table<T>(columns: ReadonlyArray<Column<T>>, rows: ReadonlyArray<T>, options: { wide?: boolean } = {}): void {
    this.stdout.write(formatTable(columns, rows, options));
  }

  json(value: unknown): void {
    // JSON escapes C0 controls itself; DEL and C1 go as escapes too, the same string to a parser.
    this.stdout.write(`${JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`);
  }

  /** Documents separated by `---`, the form `apply -f` reads back. */
  yaml(documents: ReadonlyArray<YamlDocument>): void {
    this.stdout.write(formatYamlDocuments(documents));
  }

  /** `Label:  value` lines with the values aligned, as `describe` prints them. */
  fields(pairs: ReadonlyArray<readonly [label: string, value: string]>): void {
    this.stdout.write(formatFields(pairs));
  }
}

export function formatTable<T>(
  columns: ReadonlyArray<Column<T>>,
  rows: ReadonlyArray<T>,
  options: { wide?: boolean } = {},
): string {
  const shown = columns.filter(
    (column) => (options.wide === true || column.wideOnly !== true) && (column.whenTold !== true || rows.some((row) => column.value(row) !== undefined)),
  );
  const cells = rows.map((row) => shown.map((column) => cellText(column.value(row))));
  const headers = shown.map((column) => column.header.toUpperCase());
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((line) => (line[index] ?? '').length)));
  const render = (line: ReadonlyArray<string>): string =>
    line
      .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join(COLUMN_GAP)
      .trimEnd();
  return [headers, ...cells].map((line) => `${render(line)}\n`).join('');
}

export function formatYamlDocuments(documents: ReadonlyArray<YamlDocument>): string {
  return documents
    .map((document) => {
      // Every string a YAML 1.1 reader (PyYAML, Ruby's, Go's yaml.v2) or a 1.2 one would take for
      // something else (`no`, `y`, a timestamp, `0o17`, the merge key `<<`) is quoted: the output
      // reads the same under both, and applies back unchanged.
      const yaml = new Document(document.value, { compat: 'yaml-1.1' });
      if (document.comment !== undefined) yaml.commentBefore = ` ${document.comment}`;
      // The YAML writer escapes C0 controls but writes DEL and C1 as they are: a scalar holding one
      // is double-quoted, where they are then written as escapes (the same string to a parser).
      visit(yaml, {
        Scalar: (_key, node) => {
          // `=` is PyYAML's value tag, which its safe loader refuses to build.
          if (typeof node.value === 'string' && (DEL_AND_C1.test(node.value) || node.value === '=')) node.type = 'QUOTE_DOUBLE';
        },
      });
      return yaml.toString({ lineWidth: 0 }).replace(DEL_AND_C1_ALL, (char) => `\\x${char.charCodeAt(0).toString(16)}`);
    })
    .join('---\n');
}

export function formatFields(pairs: ReadonlyArray<readonly [label: string, value: string]>): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length + 1)) + 2;
  return pairs
    .map(([label, value]) => {
      const [first = '', ...rest] = visible(value).split('\n');
      const continuation = rest.map((line) => `\n${' '.repeat(width)}${line}`).join('');
      return `${`${label}:`.padEnd(width)}${first}${continuation}\n`;
    })
    .join('');
}

function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return ABSENT;
  // A table row is one line: a newline in a description would break the columns.
  return visible(String(value).replace(/\s*\n\s*/g, ' ').replace(/\t/g, ' '));
}

const DEL_AND_C1 = /[\u007f-\u009f]/;
const DEL_AND_C1_ALL = /[\u007f-\u009f]/g;

/** Control characters but newline and tab: C0, DEL and C1. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text other users wrote (names, descriptions, prompts, error texts an upstream sent) as the
 * terminal should show it: a control character is written as `\xHH`, so no one can clear the
 * reader's screen, retitle the window, forge table rows with a carriage return or write to the
 * clipboard through mcpctl's output.
 */
export function visible(text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
