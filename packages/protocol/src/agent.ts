import { z } from 'zod';
import { llmKindSchema, llmStatusSchema, visibilitySchema } from './llm.js';
import { resourceNameSchema } from './names.js';
import { chatCompletionRequestSchema } from './openai.js';
import { closestName } from './closest-name.js';

/** Default request parameters an agent applies (the request's own values win). */
export const agentParamsSchema = z.record(z.string(), z.unknown());

/** Request fields a chat with an agent sets itself: as defaults they would never apply, or take the caller's choice. */
export const AGENT_CHAT_FIELDS = ['model', 'messages', 'stream', 'threadId'] as const;

/** What is wrong with default parameters: fields a chat sets itself, or values no request takes. */
export type AgentParamsProblem = { kind: 'chat-fields'; fields: string[] } | { kind: 'invalid'; error: z.ZodError };

/**
 * An agent's default parameters must make a valid request under any messages, so a typo is
 * refused where it is written (mcpd's API, mcplocal's config.json), not at every chat.
 */
export function agentParamsProblem(params: Record<string, unknown>): AgentParamsProblem | undefined {
  const fields = AGENT_CHAT_FIELDS.filter((field) => Object.hasOwn(params, field));
  if (fields.length > 0) return { kind: 'chat-fields', fields };
  const checked = chatCompletionRequestSchema.safeParse({ ...params, model: 'agent', messages: [{ role: 'user', content: '' }] });
  if (!checked.success) return { kind: 'invalid', error: checked.error };
  // Each is a request's own, but OpenAI refuses a request that sends both, and an agent's defaults go with every chat.
  const both = SAME_MEANING_PARAMETERS.find(([one, other]) => params[one] != null && params[other] != null);
  if (both) {
    const [one, other] = both;
    const message = `means what ${one} means, and OpenAI refuses a request with both; keep one`;
    return { kind: 'invalid', error: new z.ZodError([{ code: 'custom', path: [other], message, input: params[other] }]) };
  }
  return undefined;
}

/** Request parameters that say one thing under two names: OpenAI refuses a request that sends both. */
export const SAME_MEANING_PARAMETERS: ReadonlyArray<readonly [string, string]> = [['max_tokens', 'max_completion_tokens']];

/**
 * Request parameters model servers take: OpenAI's, and the sampling and decoding parameters of
 * vLLM, llama.cpp, Ollama and OpenRouter. A default parameter outside this list is passed on as
 * it is (servers have their own); one a letter or two from a name in it is likely a typo.
 */
const KNOWN_CHAT_PARAMETERS: ReadonlySet<string> = new Set([
  ...Object.keys(chatCompletionRequestSchema.shape),
  'frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'response_format', 'seed',
  'parallel_tool_calls', 'reasoning_effort', 'modalities', 'audio', 'store', 'metadata', 'service_tier',
  'prediction', 'web_search_options', 'verbosity', 'functions', 'function_call',
  'top_k', 'top_a', 'min_p', 'typical_p', 'repetition_penalty', 'repeat_penalty', 'repeat_last_n', 'tfs_z',
  'mirostat', 'mirostat_tau', 'mirostat_eta', 'num_ctx', 'num_predict', 'keep_alive', 'min_tokens',
  'best_of', 'use_beam_search', 'length_penalty', 'ignore_eos', 'skip_special_tokens', 'chat_template_kwargs',
  'guided_json', 'guided_regex', 'guided_choice', 'guided_grammar', 'grammar', 'json_schema', 'cache_prompt',
  'n_probs', 'dry_multiplier', 'dry_base', 'xtc_probability', 'xtc_threshold', 'dynatemp_range', 'think',
]);

/** Default parameters whose name looks like a misspelt one (`tempreature`): each with the name it is likely meant to be. */
export function misspeltChatParameters(params: Record<string, unknown>): Array<{ name: string; meant: string }> {
  return Object.keys(params).flatMap((name) => {
    const meant = KNOWN_CHAT_PARAMETERS.has(name) ? undefined : closestName(name, KNOWN_CHAT_PARAMETERS);
    return meant === undefined ? [] : [{ name, meant }];
  });
}

/** How the chat-fields problem reads, after what names the parameters. */
export function chatFieldsMessage(fields: readonly string[]): string {
  return `cannot set ${fields.join(', ')}: a chat sets ${fields.length > 1 ? 'them' : 'it'} itself (the agent's llm, the caller's messages and choice of streaming)`;
}

/** What mcpd answers for an agent. */
export const agentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: llmKindSchema,
  /** The pinned LLM or pool name. */
  llm: z.string(),
  /**
   * `pinned`: `llm` names what the agent was pointed at; `moved`: the name now answers to another
   * owner's LLM (or an LLM where a pool was), so chats are refused until the owner points the
   * agent elsewhere or creates it again; `gone`: the LLM is deleted. Judged on the rows the
   * caller may see. Optional: older servers do not send it.
   */
  llmState: z.enum(['pinned', 'moved', 'gone']).optional(),
  description: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  project: z.string().nullable(),
  defaultParams: agentParamsSchema,
  extras: z.record(z.string(), z.unknown()),
  visibility: visibilitySchema,
  ownerId: z.string().nullable(),
  owner: z.string().nullable(),
  /** A public agent is always active; a virtual one has its session's status. */
  status: llmStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AgentView = z.infer<typeof agentViewSchema>;

/** Body of `POST /api/v1/agents`. */
export const agentCreateSchema = z.strictObject({
  name: resourceNameSchema,
  llm: resourceNameSchema,
  description: z.string().max(2048).optional(),
  systemPrompt: z.string().max(100_000).optional(),
  project: z.string().max(256).optional(),
  defaultParams: agentParamsSchema.optional(),
  extras: z.record(z.string(), z.unknown()).optional(),
  visibility: visibilitySchema.optional(),
});
export type AgentCreate = z.infer<typeof agentCreateSchema>;

/** Body of `PUT /api/v1/agents/:idOrName`: absent keeps, null clears. */
export const agentUpdateSchema = z.strictObject({
  llm: resourceNameSchema.optional(),
  description: z.string().max(2048).nullable().optional(),
  systemPrompt: z.string().max(100_000).nullable().optional(),
  project: z.string().max(256).nullable().optional(),
  defaultParams: agentParamsSchema.optional(),
  extras: z.record(z.string(), z.unknown()).optional(),
  visibility: visibilitySchema.optional(),
});
export type AgentUpdate = z.infer<typeof agentUpdateSchema>;

export const SERVER_MANAGED_AGENT_FIELDS = ['id', 'kind', 'llmState', 'ownerId', 'owner', 'status', 'createdAt', 'updatedAt'] as const;

/** The fields of a virtual agent its owner may change; its publisher sets the rest. mcpd refuses the others on `PUT`. */
export const VIRTUAL_AGENT_EDITABLE_FIELDS: readonly string[] = ['visibility', 'description'];

