import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerCreateAgent } from '../resources/agent/create.js';
import { registerCreateLlm } from '../resources/llm/create.js';
import { registerCreateRoleBinding } from '../resources/rolebinding/create.js';
import { registerCreateToken } from '../resources/token/create.js';
import { registerCreateUser } from '../resources/user/create.js';

/** `mcpctl create RESOURCE NAME [flags]` */
export function registerCreate(program: Command, context: CliContext): void {
  const create = program.command('create').description('create a resource from flags').usage('RESOURCE NAME [options]');
  registerCreateLlm(create, context);
  registerCreateUser(create, context);
  registerCreateToken(create, context);
  registerCreateRoleBinding(create, context);
  registerCreateAgent(create, context);
}
