import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerGetLlm } from '../resources/llm/get.js';
import { registerGetPool } from '../resources/pool/get.js';

/** `mcpctl get RESOURCE [NAME]`: one subcommand per resource type. */
export function registerGet(program: Command, context: CliContext): void {
  const get = program.command('get').description('list resources, or show one').usage('RESOURCE [NAME] [-o table|wide|json|yaml]');
  registerGetLlm(get, context);
  registerGetPool(get, context);
}
