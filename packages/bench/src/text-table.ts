export type Alignment = 'left' | 'right';

export interface Column {
  header: string;
  align: Alignment;
}

/** A Markdown table padded to line up in a terminal, so the same text reads well in both. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, 3, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${columns
      .map((column, index) => {
        const cell = cells[index] ?? '';
        const width = widths[index]!;
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(' | ')} |`;
  const rule = `|${columns
    .map((column, index) => {
      const dashes = '-'.repeat(widths[index]!);
      return column.align === 'right' ? `${dashes.slice(1)}:` : dashes;
    })
    .map((cell) => ` ${cell} `)
    .join('|')}|`;
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}
