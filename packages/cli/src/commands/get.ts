import type { Command } from 'commander';
import { completeResourceNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { explainedCommand } from './explained-command.js';
import { registerGetAgent } from '../resources/agent/get.js';
import { registerGetLlm } from '../resources/llm/get.js';
import { registerGetRoleBinding } from '../resources/rolebinding/get.js';
import { registerGetToken } from '../resources/token/get.js';
import { registerGetUser } from '../resources/user/get.js';
import { registerGetPool } from '../resources/pool/get.js';
import { registerGetThread } from '../resources/thread/get.js';
import { registerGetUsage } from '../resources/usage/get.js';
import { registerGetAudit } from '../resources/audit/get.js';
import { registerGetSession } from '../resources/session/get.js';

/** `mcpctl get RESOURCE [NAME]`: one subcommand per resource type. */
export function registerGet(program: Command, context: CliContext): void {
  const get = program.command('get').description('list resources, or show one').usage('RESOURCE [NAME] [-o table|wide|json|yaml]');
  registerGetLlm(get, context);
  registerGetUser(get, context);
  registerGetToken(get, context);
  registerGetRoleBinding(get, context);
  registerGetPool(get, context);
  registerGetAgent(get, context);
  registerGetThread(get, context);
  registerGetUsage(get, context);
  registerGetAudit(get, context);
  registerGetSession(get, context);
  // What OpenAI's API calls models: said plainly, instead of commander's nearest names (pools, tokens).
  explainedCommand(get, 'models', 'model', "mcpctl has no resource type 'models': a model name is an LLM ('mcpctl get llms'), an agent ('get agents') or a pool ('get pools')");
  completeResourceNames(get);
}
