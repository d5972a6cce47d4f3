import { z } from 'zod';
import { urlHoldsCredentials } from './credentials.js';
import { llmTierSchema, visibilitySchema } from './llm.js';
import { resourceNameSchema } from './names.js';

/* The files mcplocal reads under MCPCTL_HOME (default ~/.mcpctl). */

export const httpWakeRecipeSchema = z.strictObject({
  type: z.literal('http'),
  url: z
    .url({ protocol: /^https?$/ })
    .refine((url) => !urlHoldsCredentials(url), 'holds a user name or password; send them as an Authorization header in wake.headers'),
  method: z.string().default('POST'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  maxWaitSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be more than 0 seconds').max(3600, 'must be at most 3600 seconds').default(60),
});

export const commandWakeRecipeSchema = z.strictObject({
  type: z.literal('command'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  maxWaitSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be more than 0 seconds').max(3600, 'must be at most 3600 seconds').default(60),
});

/** How mcplocal brings a sleeping backend up. */
export const wakeRecipeSchema = z.discriminatedUnion('type', [httpWakeRecipeSchema, commandWakeRecipeSchema]);
export type WakeRecipe = z.infer<typeof wakeRecipeSchema>;

export const providerEntrySchema = z.strictObject({
  name: resourceNameSchema,
  type: z.enum(['openai', 'ollama', 'anthropic', 'managed']),
  /** May hold `user:pass@`, sent as Basic authorization, for a server behind a proxy that asks for it. */
  url: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  apiKey: z.string().min(1).optional(),
  /** Names an environment variable holding the key, so the file need not. */
  apiKeyEnv: z.string().min(1).optional(),
  tier: llmTierSchema.optional(),
  description: z.string().optional(),
  publish: z.boolean().default(false),
  publishName: resourceNameSchema.optional(),
  poolName: resourceNameSchema.optional(),
  /** Left out: mcpd makes a new row private, and a kept row keeps whatever its owner set. */
  visibility: visibilitySchema.optional(),
  // The key is named by the path a problem is printed under: the words say only what is wrong.
  maxConcurrent: z.int().min(1).optional(),
  /** A central LLM this local provider may stand in for. */
  failoverFor: resourceNameSchema.optional(),
  wake: wakeRecipeSchema.optional(),
  /* `managed`: mcplocal runs the model server itself. */
  command: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
  /** Stopped this long after its last request ended (default 600). */
  idleTimeoutSeconds: z
    .number({ error: 'must be a number of seconds' })
    .positive('must be more than 0 seconds')
    .max(604_800, 'must be at most 604800 seconds (a week)')
    .optional(),
  /** How long a start may take before it fails (default 300). */
  startupTimeoutSeconds: z
    .number({ error: 'must be a number of seconds' })
    .positive('must be more than 0 seconds')
    .max(3600, 'must be at most 3600 seconds')
    .optional(),
  /** Fills in the command line: `vllm serve MODEL --port N`, `llama-server -m FILE --port N`. */
  preset: z.enum(['vllm', 'llama.cpp']).optional(),
  /** Managed servers of one group run one at a time (one GPU, several models). */
  group: resourceNameSchema.optional(),
});
export type ProviderEntry = z.infer<typeof providerEntrySchema>;

export const agentEntrySchema = z.strictObject({
  name: resourceNameSchema,
  llmName: resourceNameSchema,
  description: z.string().optional(),
  systemPrompt: z.string().optional(),
  project: z.string().optional(),
  defaultParams: z.record(z.string(), z.unknown()).optional(),
  extras: z.record(z.string(), z.unknown()).optional(),
  visibility: visibilitySchema.optional(),
});
export type AgentEntry = z.infer<typeof agentEntrySchema>;

/**
 * How mcplocal's provider channel travels: `auto` takes the provider socket when mcpd offers it
 * and falls back to SSE + POST; `sse` never tries the socket; `websocket` never falls back.
 */
export const providerTransportModeSchema = z.enum(['auto', 'sse', 'websocket']);
export type ProviderTransportMode = z.infer<typeof providerTransportModeSchema>;

export const mcplocalConfigSchema = z.strictObject({
  providers: z.array(providerEntrySchema).default([]),
  agents: z.array(agentEntrySchema).default([]),
  /** `hostname`, `user`, or a literal appended as `NAME-SUFFIX` to published names. */
  publishNameSuffix: z.string().min(1).optional(),
  /** mcplocal's OpenAI-compatible endpoint for the workstation's tools. */
  localEndpoint: z
    .strictObject({
      /** Callers must show the token of `credentials`; false only on a machine with a single user. */
      requireToken: z.boolean().default(true),
    })
    .optional(),
  /** The provider channel's transport; MCPLOCAL_PROVIDER_TRANSPORT overrides it. Default `auto`. */
  transport: providerTransportModeSchema.optional(),
});
export type McplocalConfig = z.infer<typeof mcplocalConfigSchema>;

