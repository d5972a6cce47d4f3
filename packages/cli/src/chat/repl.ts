import { createInterface } from 'node:readline';
import type { CliContext } from '../context.js';
import { CliError, formatCliError, isAbortError } from '../errors.js';
import type { ChatSession } from './chat-session.js';

const EXIT_COMMANDS = new Set(['/exit', '/quit']);

/**
 * Reads messages line by line (prompt `> ` on stderr) until `/exit`, Ctrl-D or Ctrl-C at
 * the prompt. Ctrl-C during an answer aborts that answer only. A failed turn is reported
 * and the session goes on; the result says how many failed, so a piped script can tell.
 */
export async function runRepl(context: CliContext, session: ChatSession): Promise<{ failedTurns: number }> {
  const { stdin, stderr } = context.io;
  const terminal = stdin.isTTY === true && stderr.isTTY === true;
  const lines = createInterface({ input: stdin, output: stderr as NodeJS.WritableStream, terminal, prompt: '> ' });
  let closed = false;
  lines.once('close', () => {
    closed = true;
  });
  const interrupt = (): void => {
    if (!session.interrupt()) lines.close();
  };
  // On a terminal readline reads Ctrl-C as a key and reports it here; otherwise it is a signal.
  lines.on('SIGINT', interrupt);
  const unsubscribe = context.onInterrupt(interrupt);
  let failedTurns = 0;
  try {
    lines.prompt();
    for await (const line of lines) {
      const text = line.trim();
      if (EXIT_COMMANDS.has(text)) break;
      if (text === '/clear') {
        context.printer.notice(session.clear());
      } else if (text !== '') {
        failedTurns += await sendReportingErrors(context, session, text);
      }
      // Piped input may have ended already while its last lines wait in the iterator.
      if (!closed) lines.prompt();
    }
  } finally {
    unsubscribe();
    lines.close();
  }
  // Leave the shell prompt on a fresh line after Ctrl-D.
  if (terminal) stderr.write('\n');
  return { failedTurns };
}

async function sendReportingErrors(context: CliContext, session: ChatSession, text: string): Promise<number> {
  try {
    await session.send(text);
    return 0;
  } catch (error) {
    if (isAbortError(error)) {
      context.printer.notice('(interrupted)');
      return 0;
    }
    if (error instanceof CliError) {
      context.printer.error(formatCliError(error));
      return 1;
    }
    throw error;
  }
}
