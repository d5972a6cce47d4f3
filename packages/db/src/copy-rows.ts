import type { PGlite } from '@electric-sql/pglite';

/** A value COPY can load into a column of a plain type: text, number, boolean, timestamp, or NULL. */
export type CopyValue = string | number | boolean | Date | null | undefined;

/**
 * Loads rows into `table` (its `columns`, in order) with one COPY, outside any transaction. On
 * the embedded database a COPY skips the planner and the per-row parameter work an INSERT pays
 * (`docs/decisions.md`, "Audit batches by COPY"). All rows or none are stored.
 */
export type CopyRows = (table: string, columns: readonly string[], rows: ReadonlyArray<readonly CopyValue[]>) => Promise<void>;

/** `copyRows` over a PGlite client: the rows go in as UTF-8 CSV through its `/dev/blob` device. */
export function pgliteCopyRows(client: PGlite): CopyRows {
  return async (table, columns, rows) => {
    if (rows.length > 0) await copyCsv(client, table, columns, csvOf(rows));
  };
}

/** Loads `csv` (rows as `csvOf` writes them) into `table`'s `columns`. */
export async function copyCsv(client: Pick<PGlite, 'query'>, table: string, columns: readonly string[], csv: string): Promise<void> {
  const columnList = columns.map(quoteIdentifier).join(', ');
  await client.query(`copy ${quoteIdentifier(table)} (${columnList}) from '/dev/blob' with (format csv, encoding 'UTF8')`, [], {
    blob: new Blob([csv]),
  });
}

/** The rows as UTF-8 CSV, one line each. */
export function csvOf(rows: ReadonlyArray<readonly CopyValue[]>): string {
  let csv = '';
  for (const row of rows) csv += `${row.map(csvField).join(',')}\n`;
  return csv;
}

/**
 * One CSV field as COPY reads it: NULL is the empty unquoted field, so every text is quoted
 * (an empty text, `NULL`, `\.` and line breaks included) with its quotes doubled.
 */
function csvField(value: CopyValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return `"${value.replaceAll('"', '""')}"`;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
