import { flattenTree, type CompletionCommand, type ValueCompletion } from './completion-tree.js';

/*
 * The completion tree flattened into lookup rows every script renders as a `case`/`switch`
 * over `PATH|WORD` keys. A path is the command's canonical names joined by spaces
 * (`mcpctl get llm`), so aliases (`llms`) lead to the same rows.
 */

export interface CompletionRow<T> {
  key: string;
  value: T;
}

export interface Described {
  word: string;
  description: string;
}

export interface CompletionTable {
  /** `PATH|WORD` → the path of the subcommand WORD selects. */
  children: Array<CompletionRow<string>>;
  /** PATH → its subcommands' words. */
  commands: Array<CompletionRow<Described[]>>;
  /** PATH → its flags. */
  flags: Array<CompletionRow<Described[]>>;
  /** `PATH|FLAG` → how the flag's value completes, for flags that take one. */
  optionValues: Array<CompletionRow<ValueCompletion>>;
  /** `PATH|INDEX` → how positional argument INDEX (from 0) completes; see `variadicFrom`. */
  argumentValues: Array<CompletionRow<ValueCompletion>>;
  /** PATH → from which index every further argument completes like the last one. */
  variadicFrom: Array<CompletionRow<{ index: number; value: ValueCompletion }>>;
}

export function pathKey(path: readonly string[]): string {
  return path.join(' ');
}

export function buildCompletionTable(root: CompletionCommand): CompletionTable {
  const table: CompletionTable = { children: [], commands: [], flags: [], optionValues: [], argumentValues: [], variadicFrom: [] };
  for (const command of flattenTree(root)) {
    const path = pathKey(command.path);
    if (command.subcommands.length > 0) {
      table.commands.push({
        key: path,
        value: command.subcommands.flatMap((subcommand) => subcommand.words.map((word) => ({ word, description: subcommand.description }))),
      });
      for (const subcommand of command.subcommands) {
        for (const word of subcommand.words) table.children.push({ key: `${path}|${word}`, value: pathKey(subcommand.path) });
      }
    }
    table.flags.push({
      key: path,
      value: command.options.flatMap((option) => option.flags.map((word) => ({ word, description: option.description }))),
    });
    for (const option of command.options) {
      if (option.value === undefined) continue;
      for (const flag of option.flags) table.optionValues.push({ key: `${path}|${flag}`, value: option.value });
    }
    const last = command.arguments.length - 1;
    command.arguments.forEach((value, index) => {
      // Without a variadic catch-all, an argument with nothing to offer needs no row; with
      // one, its row keeps the catch-all from claiming it.
      if (value.type === 'none' && !command.variadic) return;
      if (command.variadic && index === last) table.variadicFrom.push({ key: path, value: { index, value } });
      else table.argumentValues.push({ key: `${path}|${index}`, value });
    });
  }
  return table;
}

/** A value completion as the words the scripts' value completers read: `choices A B`, `names KIND…`, `files`. */
export function valueWords(value: ValueCompletion): string[] {
  switch (value.type) {
    case 'choices':
      return ['choices', ...value.choices];
    case 'names':
      return ['names', ...value.kinds];
    case 'files':
      return ['files'];
    case 'none':
      return ['none'];
  }
}
