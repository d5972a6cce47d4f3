import type { Argument, Command, Option } from 'commander';
import { isResourceVerb, namesCompletedBy } from './completion-hints.js';

/** How a value (an option's or a positional argument's) completes. */
export type ValueCompletion =
  /** Nothing to offer: a new name, free text. */
  | { type: 'none' }
  | { type: 'choices'; choices: readonly string[] }
  /** Names of existing resources, asked from mcpd through `mcpctl __complete KIND PREFIX`. */
  | { type: 'names'; kinds: readonly string[] }
  | { type: 'files' };

export interface CompletionOption {
  /** `-o` and `--output`, as typed. */
  flags: readonly string[];
  description: string;
  /** What follows the flag; undefined for a flag that takes no value. */
  value: ValueCompletion | undefined;
}

/** One command of the program, as the completion scripts need it. */
export interface CompletionCommand {
  /** Canonical names from the program's down, e.g. `['mcpctl', 'get', 'llm']`. */
  path: readonly string[];
  /** The name, then the aliases: every word that selects this command. */
  words: readonly string[];
  description: string;
  subcommands: readonly CompletionCommand[];
  options: readonly CompletionOption[];
  /** Positional arguments in order. */
  arguments: readonly ValueCompletion[];
  /** The last argument takes any number of words. */
  variadic: boolean;
}

/**
 * The command tree as completion sees it, read from commander so the scripts always match
 * the program: visible commands and options, their choices, and the name hints of
 * `completion-hints`. The built-in `help` command is offered at the top level only; under
 * a resource verb it would read like a resource kind.
 */
export function buildCompletionTree(program: Command): CompletionCommand {
  return describeCommand(program, [program.name()], undefined);
}

function describeCommand(command: Command, path: readonly string[], parent: Command | undefined): CompletionCommand {
  const help = command.createHelp();
  const isRoot = parent === undefined;
  const subcommands = help
    .visibleCommands(command)
    .filter((subcommand) => isRoot || command.commands.includes(subcommand))
    .map((subcommand) => describeCommand(subcommand, [...path, subcommand.name()], command));
  const resourceKind = parent !== undefined && isResourceVerb(parent) ? command.name() : undefined;
  const registered = command.registeredArguments;
  return {
    path,
    words: [command.name(), ...command.aliases()],
    description: firstLine(command.description()),
    subcommands,
    options: help.visibleOptions(command).map(describeOption),
    arguments: registered.map((argument, index) => describeArgument(argument, index === 0 ? resourceKind : undefined)),
    variadic: registered.at(-1)?.variadic === true,
  };
}

function describeOption(option: Option): CompletionOption {
  const flags = [option.short, option.long].filter((flag): flag is string => flag !== undefined);
  const takesValue = option.required || option.optional;
  return { flags, description: firstLine(option.description), value: takesValue ? optionValue(option) : undefined };
}

/** A free value completes as a path when its placeholder says it is a file (`-f <file>`), else not at all. */
function optionValue(option: Option): ValueCompletion {
  if (option.argChoices !== undefined) return { type: 'choices', choices: option.argChoices };
  const kinds = namesCompletedBy(option);
  if (kinds.length > 0) return { type: 'names', kinds };
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? '';
  return /file$/i.test(placeholder) ? { type: 'files' } : { type: 'none' };
}

function describeArgument(argument: Argument, resourceKind: string | undefined): ValueCompletion {
  if (argument.argChoices !== undefined) return { type: 'choices', choices: argument.argChoices };
  const kinds = namesCompletedBy(argument);
  if (kinds.length > 0) return { type: 'names', kinds };
  return resourceKind === undefined ? { type: 'none' } : { type: 'names', kinds: [resourceKind] };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Every command of the tree, parents before their subcommands. */
export function flattenTree(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(flattenTree)];
}
