import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { RequestError } from '../errors.js';
import type { ChatHistory } from './chat-history.js';
import { ChatSession } from './chat-session.js';
import type { ChatTarget } from './chat-target.js';
import { runRepl } from './repl.js';
import { sendOnce } from './send-once.js';

/** The flags `chat-llm` and `chat` share. */
export interface ChatFlags {
  message?: string;
  temperature?: number;
  maxTokens?: number;
  stream: boolean;
}

/**
 * One shot with `--message`, else the REPL. Only parameters the user set are sent, so an
 * agent's defaults (or the server's) apply to the rest. Throws when any turn failed.
 */
export async function runChat(context: CliContext, client: ApiClient, target: ChatTarget, history: ChatHistory, flags: ChatFlags): Promise<void> {
  const session = new ChatSession({
    client,
    target,
    history,
    parameters: {
      ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
    },
    stream: flags.stream,
    stdout: context.io.stdout,
    stderr: context.io.stderr,
    now: context.now,
  });
  if (flags.message !== undefined) {
    await sendOnce(context, session, flags.message);
    return;
  }
  const { failedTurns } = await runRepl(context, session);
  if (failedTurns > 0) throw new RequestError(`${failedTurns} message${failedTurns > 1 ? 's' : ''} of this session failed`);
}
