import { CommanderError } from 'commander';
import { createContext, type CliIo } from './context.js';
import { CliError, formatCliError } from './errors.js';
import { buildProgram } from './program.js';
import { withoutHelpOfUnknownCommand } from './unknown-command-help.js';

/** Exit codes of SPEC §7. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Runs one command line (without `node` and the script path) and resolves to the exit
 * code. Never exits the process: `main.ts` does, so tests can run the CLI in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context = createContext(io);
  const program = buildProgram(context);
  try {
    await program.parseAsync([...withoutHelpOfUnknownCommand(program, argv)], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help/version) already.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      context.printer.error(formatCliError(error));
      return error.exitCode;
    }
    const detail = error instanceof Error ? (io.env.MCPCTL_DEBUG ? error.stack ?? error.message : error.message) : String(error);
    context.printer.error(`unexpected failure: ${detail} (set MCPCTL_DEBUG=1 for the stack trace)`);
    return EXIT_FAILURE;
  }
}
