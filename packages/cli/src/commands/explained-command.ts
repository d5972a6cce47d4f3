import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/**
 * A hidden subcommand that only says, as a usage error, why what was typed is not a command and
 * what to type instead: for names a user reaches for (`get models`, `delete pool`) that
 * commander would answer with "unknown command" and its nearest names.
 */
export function explainedCommand(parent: Command, name: string, alias: string, explanation: string): void {
  parent
    .command(name, { hidden: true })
    .alias(alias)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UsageError(explanation);
    });
}
