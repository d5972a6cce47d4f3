import { Option, type Command } from 'commander';
import { agentCreateSchema, visibilitySchema, type AgentCreate } from '@mcpctl/protocol';
import { completeNames } from '../../completion/completion-hints.js';
import type { CliContext } from '../../context.js';
import { readSource } from '../../documents/read-source.js';
import { ApiError, UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { agentPath } from './agent-api.js';
import { assertAgentParams, parseParam, warnMisspeltParams } from './agent-params.js';
import { createConflict } from '../create-conflict.js';
import { invalidNamed } from '../invalid-named.js';

export interface CreateAgentOptions {
  llm: string;
  systemPrompt?: string;
  systemPromptFile?: string;
  description?: string;
  project?: string;
  param?: Record<string, unknown>;
  visibility?: string;
}

/** `mcpctl create agent NAME --llm LLM [--system-prompt TEXT | --system-prompt-file FILE] [--param key=value …]` */
export function registerCreateAgent(create: Command, context: CliContext): void {
  create
    .command('agent')
    .description('create an agent: a system prompt and default parameters pinned to an LLM or pool')
    .argument('<name>', 'agent name (lower-case letters, digits, "-" and ".")')
    .addOption(completeNames(new Option('--llm <name>', 'the LLM or pool that answers').makeOptionMandatory(), 'llm', 'pool'))
    .addOption(new Option('--system-prompt <text>', 'system message sent before every conversation').conflicts('systemPromptFile'))
    .option('--system-prompt-file <file>', "read the system prompt from a file ('-' for stdin)")
    .option('--description <text>', 'free text')
    .option('--project <project>', 'the project the agent belongs to')
    .option('--param <key=value>', 'a default request parameter, repeatable; JSON values are parsed (temperature=0.2)', parseParam)
    .addOption(new Option('--visibility <visibility>', 'who may see it: public (the default, every user) or private (you and admins)').choices(visibilitySchema.options))
    .action(async (name: string, options: CreateAgentOptions) => {
      // A file's final newline is the editor's, not part of the prompt.
      const systemPrompt =
        options.systemPromptFile === undefined ? options.systemPrompt : (await readSource(options.systemPromptFile, context.io.stdin)).trimEnd();
      const body = agentCreateBody(name, { ...options, ...(systemPrompt === undefined ? {} : { systemPrompt }) });
      warnMisspeltParams(`agent ${name}`, body.defaultParams, (text) => context.printer.notice(text));
      const client = await context.api();
      try {
        await client.request('POST', agentPath(), { body });
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) {
          throw createConflict(error, 'agent');
        }
        throw error;
      }
      context.printer.line(`agent/${name} created`);
    });
}

/** The POST body from the flags, validated before anything is sent. */
export function agentCreateBody(name: string, options: CreateAgentOptions): AgentCreate {
  const candidate = {
    name,
    llm: options.llm,
    ...(options.systemPrompt === undefined ? {} : { systemPrompt: options.systemPrompt }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.param === undefined ? {} : { defaultParams: options.param }),
    ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
  };
  const checked = checkSchema(agentCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`${invalidNamed('agent', name)}: ${checked.problems}`);
  assertAgentParams(invalidNamed('agent', name), checked.value.defaultParams);
  return checked.value;
}
