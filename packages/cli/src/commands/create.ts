import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerCreateLlm } from '../resources/llm/create.js';

/** `mcpctl create RESOURCE NAME [flags]` */
export function registerCreate(program: Command, context: CliContext): void {
  const create = program.command('create').description('create a resource from flags').usage('RESOURCE NAME [options]');
  registerCreateLlm(create, context);
}
