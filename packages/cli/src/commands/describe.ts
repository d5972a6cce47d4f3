import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerDescribeLlm } from '../resources/llm/describe.js';
import { registerDescribePool } from '../resources/pool/describe.js';

/** `mcpctl describe RESOURCE NAME` */
export function registerDescribe(program: Command, context: CliContext): void {
  const describe = program.command('describe').description('show every detail of a resource').usage('RESOURCE NAME');
  registerDescribeLlm(describe, context);
  registerDescribePool(describe, context);
}
