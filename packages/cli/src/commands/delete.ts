import type { Command } from 'commander';
import { completeResourceNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
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
  completeResourceNames(deleteCommand);
}
