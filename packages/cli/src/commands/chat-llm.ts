import { Argument, type Command } from 'commander';
import { chatHeader } from '../chat/chat-header.js';
import { llmChatTarget } from '../chat/chat-target.js';
import { Conversation } from '../chat/conversation.js';
import { runChat, type ChatFlags } from '../chat/run-chat.js';
import { completeNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { parseMessage, parsePositiveInteger, parseTemperature } from './option-parsers.js';

interface ChatLlmOptions extends ChatFlags {
  system?: string;
}

/** `mcpctl chat-llm NAME`: a stateless chat with any LLM or pool, one shot or as a REPL. */
export function registerChatLlm(program: Command, context: CliContext): void {
  program
    .command('chat-llm')
    .description('chat with an LLM: a REPL keeping the history of the session, or one message with --message')
    .addArgument(completeNames(new Argument('<name>', 'LLM or pool name'), 'llm', 'pool'))
    .option('-m, --message <text>', 'send one message, print the answer and exit', parseMessage)
    .option('--system <text>', 'system message sent first')
    .option('--temperature <n>', 'sampling temperature (0 to 2)', parseTemperature)
    .option('--max-tokens <n>', 'longest answer, in tokens', parsePositiveInteger)
    .option('--no-stream', 'wait for the whole answer instead of streaming it')
    .action(async (name: string, options: ChatLlmOptions) => {
      const client = await context.api();
      const { line, model } = await chatHeader(client, name, options.message !== undefined);
      context.printer.notice(line);
      await runChat(context, client, llmChatTarget(model), new Conversation(options.system), options);
    });
}
