import { Argument, type Command } from 'commander';
import { chatHeader } from '../chat/chat-header.js';
import { ChatSession } from '../chat/chat-session.js';
import { llmChatTarget } from '../chat/chat-target.js';
import { Conversation } from '../chat/conversation.js';
import { runRepl } from '../chat/repl.js';
import { sendOnce } from '../chat/send-once.js';
import { completeNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { RequestError } from '../errors.js';
import { parsePositiveInteger, parseTemperature } from './option-parsers.js';

interface ChatLlmOptions {
  message?: string;
  system?: string;
  temperature?: number;
  maxTokens?: number;
  stream: boolean;
}

/** `mcpctl chat-llm NAME`: a stateless chat with any LLM or pool, one shot or as a REPL. */
export function registerChatLlm(program: Command, context: CliContext): void {
  program
    .command('chat-llm')
    .description('chat with an LLM: a REPL keeping the history of the session, or one message with --message')
    .addArgument(completeNames(new Argument('<name>', 'LLM or pool name'), 'llm', 'pool'))
    .option('-m, --message <text>', 'send one message, print the answer and exit')
    .option('--system <text>', 'system message sent first')
    .option('--temperature <n>', 'sampling temperature (0 to 2)', parseTemperature)
    .option('--max-tokens <n>', 'longest answer, in tokens', parsePositiveInteger)
    .option('--no-stream', 'wait for the whole answer instead of streaming it')
    .action(async (name: string, options: ChatLlmOptions) => {
      const client = await context.api();
      context.printer.notice(await chatHeader(client, name, options.message !== undefined));
      const session = new ChatSession({
        client,
        target: llmChatTarget(name),
        history: new Conversation(options.system),
        parameters: {
          ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
          ...(options.maxTokens === undefined ? {} : { max_tokens: options.maxTokens }),
        },
        stream: options.stream,
        stdout: context.io.stdout,
        stderr: context.io.stderr,
        now: context.now,
      });
      if (options.message !== undefined) {
        await sendOnce(context, session, options.message);
        return;
      }
      const { failedTurns } = await runRepl(context, session);
      if (failedTurns > 0) throw new RequestError(`${failedTurns} message${failedTurns > 1 ? 's' : ''} of this session failed`);
    });
}
