import type { Command } from 'commander';

const HELP_FLAGS = new Set(['-h', '--help']);

/**
 * The command line without its help flags when it asks for the help of a command that does not
 * exist (`mcpctl describe usage --help`), and unchanged otherwise. Commander answers a help flag
 * before it looks the command up, so it would print the parent's help and exit 0, as if the
 * command were there; without the flag it refuses the name as a usage error, with its suggestion.
 */
export function withoutHelpOfUnknownCommand(program: Command, argv: readonly string[]): readonly string[] {
  if (!argv.some((arg) => HELP_FLAGS.has(arg))) return argv;
  let command = program;
  for (const arg of argv) {
    if (HELP_FLAGS.has(arg)) continue;
    // An option may take the next word as its value: the command path ends at the first one.
    if (arg.startsWith('-') || command.commands.length === 0) return argv;
    // `help` is commander's own command, and the help of a command by name.
    if (arg === 'help') return argv;
    const next = command.commands.find((sub) => sub.name() === arg || sub.aliases().includes(arg));
    if (next === undefined) return argv.filter((word) => !HELP_FLAGS.has(word));
    command = next;
  }
  return argv;
}
