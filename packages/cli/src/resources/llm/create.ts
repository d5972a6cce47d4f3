import { Option, type Command } from 'commander';
import { llmCreateSchema, llmTierSchema, llmTypeSchema, visibilitySchema, type LlmCreate } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { ApiError, UsageError } from '../../errors.js';
import { parsePositiveInteger } from '../../commands/option-parsers.js';
import { checkSchema } from '../../schema-check.js';
import type { CliEnvironment } from '../../credentials.js';
import { llmPath } from './llm-api.js';
import { createConflict } from '../create-conflict.js';

interface CreateLlmOptions {
  type: string;
  model: string;
  url: string;
  apiKeyEnv?: string;
  tier?: string;
  pool?: string;
  visibility?: string;
  description?: string;
  maxConcurrent?: number;
}

/** `mcpctl create llm NAME --type --model --url [--api-key-env VAR] …` */
export function registerCreateLlm(create: Command, context: CliContext): void {
  create
    .command('llm')
    .description('register a public LLM that mcpd calls itself')
    .argument('<name>', 'LLM name (lower-case letters, digits, "-" and ".")')
    .addOption(new Option('--type <type>', 'wire dialect of the upstream').choices(llmTypeSchema.options).makeOptionMandatory())
    .requiredOption('--model <model>', 'model name the upstream expects')
    .requiredOption('--url <url>', 'upstream base URL, e.g. https://api.openai.com/v1')
    .option('--api-key-env <var>', 'environment variable holding the upstream API key (never pass the key itself)')
    // A key on the command line lands in the shell's history and in `ps`: refused, saying what to do instead.
    .addOption(new Option('--api-key [key]').hideHelp())
    .addOption(new Option('--tier <tier>', 'speed class').choices(llmTierSchema.options))
    .option('--pool <pool>', 'pool to join')
    .addOption(new Option('--visibility <visibility>', 'who may see it: public (the default, every user) or private (you and admins)').choices(visibilitySchema.options))
    .option('--description <text>', 'free text')
    .option('--max-concurrent <n>', 'requests served at once', parsePositiveInteger)
    .action(async (name: string, options: CreateLlmOptions & { apiKey?: unknown }) => {
      if (options.apiKey !== undefined) {
        throw new UsageError("the key is not taken on the command line, where shell history and 'ps' keep it: put it in an environment variable and name that with --api-key-env VAR");
      }
      const body = llmCreateBody(name, options, context.env);
      const client = await context.api();
      try {
        await client.request('POST', llmPath(), { body });
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) {
          throw createConflict(error, 'LLM');
        }
        throw error;
      }
      context.printer.line(`llm/${name} created`);
    });
}

/** The POST body from the flags; the API key comes from the named environment variable. */
export function llmCreateBody(name: string, options: CreateLlmOptions, env: CliEnvironment): LlmCreate {
  const candidate = {
    name,
    type: options.type,
    model: options.model,
    url: options.url,
    ...(options.apiKeyEnv === undefined ? {} : { apiKey: apiKeyFromEnv(options.apiKeyEnv, env, '--api-key-env') }),
    ...(options.tier === undefined ? {} : { tier: options.tier }),
    ...(options.pool === undefined ? {} : { poolName: options.pool }),
    ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
  };
  const checked = checkSchema(llmCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`invalid LLM ${name}: ${checked.problems}`);
  return checked.value;
}

/** Reads an API key from the environment; `source` says which flag or field named the variable. */
export function apiKeyFromEnv(variable: string, env: CliEnvironment, source: string): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new UsageError(`environment variable ${variable} (named by ${source}) is not set or empty`);
  }
  return value;
}
