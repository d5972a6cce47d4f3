import type { CliContext } from '../context.js';
import { InterruptedError, isAbortError } from '../errors.js';
import type { ChatSession } from './chat-session.js';

/** `--message`: one turn, with Ctrl-C aborting it and exiting 130. */
export async function sendOnce(context: CliContext, session: ChatSession, message: string): Promise<void> {
  const unsubscribe = context.onInterrupt(() => {
    session.interrupt();
  });
  try {
    await session.send(message);
  } catch (error) {
    if (isAbortError(error)) throw new InterruptedError();
    throw error;
  } finally {
    unsubscribe();
  }
}
