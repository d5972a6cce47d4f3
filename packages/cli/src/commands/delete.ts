import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerDeleteLlm } from '../resources/llm/delete.js';

/** `mcpctl delete RESOURCE NAME` */
export function registerDelete(program: Command, context: CliContext): void {
  const deleteCommand = program.command('delete').description('delete a resource').usage('RESOURCE NAME');
  registerDeleteLlm(deleteCommand, context);
}
