import type { Command } from 'commander';
import { completeResourceNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { explainedCommand } from './explained-command.js';
import { registerDeleteAgent } from '../resources/agent/delete.js';
import { registerDeleteLlm } from '../resources/llm/delete.js';
import { registerDeleteRoleBinding } from '../resources/rolebinding/delete.js';
import { registerDeleteThread } from '../resources/thread/delete.js';
import { registerDeleteToken } from '../resources/token/delete.js';
import { registerDeleteUser } from '../resources/user/delete.js';

/** `mcpctl delete RESOURCE NAME` */
export function registerDelete(program: Command, context: CliContext): void {
  const deleteCommand = program.command('delete').description('delete a resource').usage('RESOURCE NAME');
  registerDeleteLlm(deleteCommand, context);
  registerDeleteUser(deleteCommand, context);
  registerDeleteToken(deleteCommand, context);
  registerDeleteRoleBinding(deleteCommand, context);
  registerDeleteAgent(deleteCommand, context);
  registerDeleteThread(deleteCommand, context);
  // A pool is no row of its own but the LLMs that name it: said plainly, instead of commander's "unknown command".
  explainedCommand(
    deleteCommand,
    'pool',
    'pools',
    "a pool is not deleted by itself: it is the LLMs whose poolName names it, and it ends when the last of them leaves ('mcpctl describe pool NAME' lists them; 'mcpctl delete llm MEMBER', or 'poolName: null' in a document for 'mcpctl apply -f')",
  );
  completeResourceNames(deleteCommand);
}
