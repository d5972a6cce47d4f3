import { Command } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerChat } from './commands/chat.js';
import { registerChatLlm } from './commands/chat-llm.js';
import { registerCompletion } from './commands/completion.js';
import { registerCreate } from './commands/create.js';
import { registerDelete } from './commands/delete.js';
import { registerDescribe } from './commands/describe.js';
import { registerGet } from './commands/get.js';
import { registerLogin } from './commands/login.js';
import { registerStatus } from './commands/status.js';
import { checkMandatoryOptionsLast } from './commands/required-options.js';
import type { CliContext } from './context.js';
import { cliVersion } from './version.js';

/**
 * The whole command tree. Settings made here before the subcommands are added (exit
 * override, output routing) are inherited by every subcommand commander creates.
 */
export function buildProgram(context: CliContext): Command {
  const program = new Command('mcpctl')
    .description('Control a shared mcpd: LLMs, agents, users; chat with any of them.')
    .version(cliVersion(), '-v, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      // Commander puts its suggestion on a line of its own; every other error of ours is one line, with "did you mean" inside it.
      outputError: (text, write) => write(text.replace(/\n\(Did you mean /g, ' (did you mean ')),
    });
  registerLogin(program, context);
  registerStatus(program, context);
  registerGet(program, context);
  registerDescribe(program, context);
  registerCreate(program, context);
  registerDelete(program, context);
  registerApply(program, context);
  registerChatLlm(program, context);
  registerChat(program, context);
  registerCompletion(program, context);
  checkMandatoryOptionsLast(program);
  return program;
}
