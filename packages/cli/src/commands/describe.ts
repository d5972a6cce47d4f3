import { Option, type Command } from 'commander';
import { completeResourceNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { registerDescribeAgent } from '../resources/agent/describe.js';
import { registerDescribeLlm } from '../resources/llm/describe.js';
import { registerDescribePool } from '../resources/pool/describe.js';
import { registerDescribeSession } from '../resources/session/describe.js';
import { registerDescribeThread } from '../resources/thread/describe.js';
import { registerDescribeUser } from '../resources/user/describe.js';
import { registerDescribeRoleBinding } from '../resources/rolebinding/describe.js';
import { registerDescribeToken } from '../resources/token/describe.js';

/** `mcpctl describe RESOURCE NAME` */
export function registerDescribe(program: Command, context: CliContext): void {
  const describe = program.command('describe').description('show every detail of a resource').usage('RESOURCE NAME');
  registerDescribeLlm(describe, context);
  registerDescribePool(describe, context);
  registerDescribeAgent(describe, context);
  registerDescribeThread(describe, context);
  registerDescribeUser(describe, context);
  registerDescribeSession(describe, context);
  registerDescribeToken(describe, context);
  registerDescribeRoleBinding(describe, context);
  for (const command of describe.commands) pointAtGetForMachines(command);
  completeResourceNames(describe);
}

/**
 * `describe` prints for people; `-o json|yaml` is `get`'s. Rather than commander's "unknown
 * option '-o'", a hidden option says which command prints the same resource for a machine.
 */
function pointAtGetForMachines(command: Command): void {
  command.addOption(new Option('-o, --output <format>').hideHelp());
  command.hook('preAction', (action) => {
    const { output } = action.opts<{ output?: string }>();
    if (output === undefined) return;
    const [name = 'NAME'] = action.args;
    throw new UsageError(`describe prints for people; for ${output} run 'mcpctl get ${command.name()} ${name} -o ${output}'`);
  });
}
