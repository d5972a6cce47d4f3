import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatFields, formatTable, formatYamlDocuments, Printer, type Column } from '../../src/printer.js';
import { CapturedStream } from '../helpers/captured-stream.js';

interface Row {
  name: string;
  model: string | null;
  owner: string;
}

const columns: Column<Row>[] = [
  { header: 'name', value: (row) => row.name },
  { header: 'model', value: (row) => row.model },
  { header: 'owner', value: (row) => row.owner, wideOnly: true },
];
const rows: Row[] = [
  { name: 'qwen3', model: 'Qwen/Qwen3-8B', owner: 'alice' },
  { name: 'a-much-longer-name', model: null, owner: 'bob' },
];

describe('formatTable', () => {
  it('prints capitalised headers and aligns every column to its widest cell', () => {
    expect(formatTable(columns, rows)).toBe(
      ['NAME                 MODEL', 'qwen3                Qwen/Qwen3-8B', 'a-much-longer-name   -', ''].join('\n'),
    );
  });

  it('adds the wide-only columns with -o wide and leaves no trailing spaces', () => {
    const lines = formatTable(columns, rows, { wide: true }).split('\n');
    expect(lines[0]).toBe('NAME                 MODEL           OWNER');
    expect(lines[2]).toBe('a-much-longer-name   -               bob');
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it('prints a column mcpd tells only some callers only when a row has it, and `-` where one has none', () => {
    type Held = { session: string; replica?: string | null };
    const held: ReadonlyArray<Column<Held>> = [
      { header: 'session', value: (row) => row.session },
      { header: 'replica', value: (row) => row.replica, wideOnly: true, whenTold: true },
    ];
    expect(formatTable(held, [{ session: 'a' }, { session: 'b' }], { wide: true })).toBe('SESSION\na\nb\n');
    expect(formatTable(held, [{ session: 'a', replica: 'vm-1' }, { session: 'b', replica: null }], { wide: true })).toBe('SESSION   REPLICA\na         vm-1\nb         -\n');
  });

  it('keeps a row on one line when a cell holds newlines', () => {
    const output = formatTable(columns, [{ name: 'x', model: 'line one\nline two', owner: 'o' }]);
    expect(output.split('\n')[1]).toBe('x      line one line two');
  });
});

describe('formatYamlDocuments', () => {
  it('separates documents with --- so they parse back as several documents', () => {
    const text = formatYamlDocuments([{ value: { kind: 'Llm', name: 'a', description: null } }, { value: { kind: 'Llm', name: 'b' } }]);
    expect(text).toBe('kind: Llm\nname: a\ndescription: null\n---\nkind: Llm\nname: b\n');
    expect(parseAllDocuments(text).map((document) => document.toJS() as unknown)).toEqual([
      { kind: 'Llm', name: 'a', description: null },
      { kind: 'Llm', name: 'b' },
    ]);
  });

  it('quotes strings that would otherwise read back as another type, and does not fold long lines', () => {
    const url = `https://example.com/${'x'.repeat(200)}`;
    const text = formatYamlDocuments([{ value: { model: '1.0', flag: 'true', url }, comment: 'a note' }]);
    expect(text.startsWith('# a note\n')).toBe(true);
    expect(parseAllDocuments(text)[0]?.toJS()).toEqual({ model: '1.0', flag: 'true', url });
    expect(text.split('\n').some((line) => line === `url: ${url}`)).toBe(true);
  });

  it('quotes what a YAML 1.1 reader would take for a boolean, a date or a number, and reads back the same under 1.1 and 1.2', () => {
    const value = {
      name: 'no',
      groups: ['yes', 'on', 'Off', 'y', '0o17', 'nan', '.inf', '1_000', '0x1F', '<<', '='],
      createdAt: '2026-12-07T06:00:00.000Z',
      day: '2026-12-07',
      n: '1:20',
      mode: '0777',
      admin: true,
      expiresAt: null,
      count: 3,
      model: 'qwen3-8b',
      note: 'a plain sentence',
    };
    const text = formatYamlDocuments([{ value }]);
    expect(text).toBe(
      'name: "no"\ngroups:\n  - "yes"\n  - "on"\n  - "Off"\n  - "y"\n  - "0o17"\n  - nan\n  - ".inf"\n  - "1_000"\n  - "0x1F"\n  - "<<"\n  - "="\ncreatedAt: "2026-12-07T06:00:00.000Z"\nday: "2026-12-07"\n"n": "1:20"\nmode: "0777"\nadmin: true\nexpiresAt: null\ncount: 3\nmodel: qwen3-8b\nnote: a plain sentence\n',
    );
    for (const version of ['1.1', '1.2'] as const) expect(parseAllDocuments(text, { version })[0]?.toJS()).toEqual(value);
  });
});

describe('formatFields', () => {
  it('aligns values after the longest label and indents continuation lines', () => {
    expect(formatFields([['Name', 'qwen3'], ['Description', 'first\nsecond']])).toBe(
      'Name:         qwen3\nDescription:  first\n              second\n',
    );
  });
});

describe('Printer', () => {
  it('writes results to stdout and notices and errors to stderr', () => {
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const printer = new Printer(stdout, stderr);
    printer.line('llm/a created');
    printer.json([{ name: 'a' }]);
    printer.notice('No LLMs found.');
    printer.error('LLM not found: b');
    expect(stdout.text).toBe('llm/a created\n[\n  {\n    "name": "a"\n  }\n]\n');
    expect(stderr.text).toBe('No LLMs found.\nerror: LLM not found: b\n');
  });
});

describe('text other users wrote', () => {
  const hostile = 'bob\u001b[2J\u001b]0;owned\u0007\r\nalice-priv   public\u009b31m';

  it('reaches a table, describe fields and message lines with every control character written out, so it cannot clear the screen or forge a row', () => {
    const table = formatTable(columns, [{ name: hostile, model: 'm', owner: 'o' }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('bob\\x1b[2J\\x1b]0;owned\\x07 alice-priv   public\\x9b31m');
    expect(formatFields([['Description', `first\n${hostile}`]])).toBe(
      'Description:  first\n              bob\\x1b[2J\\x1b]0;owned\\x07\\x0d\n              alice-priv   public\\x9b31m\n',
    );
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const printer = new Printer(stdout, stderr);
    printer.line(hostile);
    printer.error(`LLM not found: ${hostile}`);
    // eslint-disable-next-line no-control-regex -- the point: none is left
    expect(stdout.text + stderr.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('stays the same string in YAML, with DEL and C1 escaped in a double-quoted scalar', () => {
    const yaml = formatYamlDocuments([{ value: { description: hostile, extras: { 'key\u0085': 'x\u007f' } } }]);
    // eslint-disable-next-line no-control-regex -- the point: none is left
    expect(yaml).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(parseAllDocuments(yaml)[0]!.toJS()).toEqual({ description: hostile, extras: { 'key\u0085': 'x\u007f' } });
  });

  it('stays the same string in JSON, with DEL and C1 escaped as well', () => {
    const stdout = new CapturedStream();
    new Printer(stdout, new CapturedStream()).json({ description: hostile });
    // eslint-disable-next-line no-control-regex -- the point: none is left
    expect(stdout.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect((JSON.parse(stdout.text) as { description: string }).description).toBe(hostile);
  });
});
