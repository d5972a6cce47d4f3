import { z } from 'zod';

/*
 * The OpenAI chat-completions dialect. Objects are loose on purpose: mcpd passes through
 * fields it does not know (reasoning_content, logprobs, vendor extensions) untouched, and
 * validates only the fields it reads.
 */

export const chatContentPartSchema = z.looseObject({ type: z.string() });

export const chatToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
export type ChatToolCall = z.infer<typeof chatToolCallSchema>;

export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(chatContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(chatToolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ChatTool = z.infer<typeof chatToolSchema>;

/** The longest `model` (an LLM, pool or agent name as the caller wrote it) an inference request may carry. */
export const MODEL_NAME_MAX_LENGTH = 256;

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().max(MODEL_NAME_MAX_LENGTH, `model is at most ${MODEL_NAME_MAX_LENGTH} characters`).optional(),
  messages: z.array(chatMessageSchema).min(1, 'messages must hold at least one message'),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string())]).nullable().optional(),
  tools: z.array(chatToolSchema).optional(),
  tool_choice: z.unknown().optional(),
  n: z.number().int().positive().nullable().optional(),
  user: z.string().optional(),
  /** Agent chats only: continue (or, absent, start) a stored thread. */
  threadId: z.string().min(1, 'threadId is empty: leave it out to start a new thread, or send the id of one').max(256).optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** `total_tokens` is the sum, which some servers leave out; nothing reads it but to pass it on. */
export const usageSchema = z.looseObject({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const finishReasonSchema = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);
export type FinishReason = z.infer<typeof finishReasonSchema>;

export const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      message: z.looseObject({
        role: z.literal('assistant'),
        // OpenAI sends null beside tool calls; some servers leave the key out.
        content: z.string().nullable().optional(),
        tool_calls: z.array(chatToolCallSchema).optional(),
      }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: usageSchema.optional(),
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export const chatToolCallDeltaSchema = z.looseObject({
  index: z.number().int(),
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});
export type ChatToolCallDelta = z.infer<typeof chatToolCallDeltaSchema>;

export const chatCompletionChunkSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      delta: z.looseObject({
        role: z.string().optional(),
        content: z.string().nullable().optional(),
        reasoning_content: z.string().nullable().optional(),
        tool_calls: z.array(chatToolCallDeltaSchema).optional(),
      }),
      finish_reason: z.string().nullable().optional(),
    }),
  ),
  usage: usageSchema.nullable().optional(),
});
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/**
 * A streamed chunk as read from a model server (a public upstream, a publisher's frames): what
 * is acted on (`choices`, their finish reasons, `usage`) must be well formed, while the envelope
 * (`id`, `object`, `created`, `model`) is the server's own to leave out or shape (servers that
 * omit `created`, Azure's filter chunks with an empty `object`): it passes on as sent.
 */
export const streamedChunkSchema = chatCompletionChunkSchema.extend({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
});
export type StreamedChunk = z.infer<typeof streamedChunkSchema>;

export const modelSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number(),
  owned_by: z.string(),
});
export type Model = z.infer<typeof modelSchema>;

export const modelListSchema = z.object({ object: z.literal('list'), data: z.array(modelSchema) });
export type ModelList = z.infer<typeof modelListSchema>;

/**
 * A model list as mcplocal reads it from any mcpd: only the ids are needed; a missing
 * `created` or `owned_by` is filled in by the reader, unknown fields are ignored.
 */
export const modelListReadSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), created: z.number().nullish(), owned_by: z.string().nullish() })),
});

/**
 * The error object OpenAI-compatible servers answer, also sent as an SSE frame mid-stream. mcpd
 * adds `status` to the frame of a stream that failed before its answer began (only `: waiting`
 * or `: waking` comments went out): the status it would have answered with a moment earlier,
 * which tells mcplocal's failover a failure of mcpd's side (5xx) from a refusal of the request.
 */
export const openAiErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string().optional(),
    code: z.union([z.string(), z.number()]).nullable().optional(),
    status: z.number().int().optional(),
  }),
});
export type OpenAiError = z.infer<typeof openAiErrorSchema>;
