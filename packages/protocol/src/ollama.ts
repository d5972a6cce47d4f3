import { z } from 'zod';

/*
 * Ollama's native chat API (`/api/chat`, `/api/tags`), as far as mcplocal speaks it. Objects
 * are loose: Ollama adds fields (durations, `created_at`, …) that nobody here reads.
 */

export const ollamaToolCallSchema = z.looseObject({
  /** Newer Ollama versions number their calls; older ones send none. */
  id: z.string().optional(),
  function: z.looseObject({
    index: z.number().int().optional(),
    name: z.string(),
    /** An object, not OpenAI's JSON text. */
    arguments: z.record(z.string(), z.unknown()).default({}),
  }),
});
export type OllamaToolCall = z.infer<typeof ollamaToolCallSchema>;

export const ollamaMessageSchema = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().default(''),
  /** A thinking model's reasoning, when the request allowed it. */
  thinking: z.string().optional(),
  /** Base64 images, without a `data:` prefix. */
  images: z.array(z.string()).optional(),
  tool_calls: z.array(ollamaToolCallSchema).optional(),
  /** On a `tool` message: the tool whose result it carries. */
  tool_name: z.string().optional(),
});
export type OllamaMessage = z.infer<typeof ollamaMessageSchema>;

export const ollamaChatRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(ollamaMessageSchema),
  stream: z.boolean().optional(),
  tools: z.array(z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) })).optional(),
  format: z.unknown().optional(),
  /** Sampling settings: `temperature`, `num_predict`, `top_p`, `stop`, `seed`, … */
  options: z.record(z.string(), z.unknown()).optional(),
  keep_alive: z.union([z.string(), z.number()]).optional(),
  think: z.union([z.boolean(), z.string()]).optional(),
});
export type OllamaChatRequest = z.infer<typeof ollamaChatRequestSchema>;

/** A non-streaming answer, or one line of a streamed one; the last line has `done: true` and the counts. */
export const ollamaChatResponseSchema = z.looseObject({
  model: z.string().optional(),
  message: ollamaMessageSchema.optional(),
  done: z.boolean(),
  /** `stop`, `length`, `load`, … */
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().int().optional(),
  eval_count: z.number().int().optional(),
});
export type OllamaChatResponse = z.infer<typeof ollamaChatResponseSchema>;

/** `GET /api/tags`: the models the server has pulled. */
export const ollamaTagListSchema = z.looseObject({
  models: z.array(z.looseObject({ name: z.string(), model: z.string().optional() })),
});
export type OllamaTagList = z.infer<typeof ollamaTagListSchema>;

/** Ollama's error body, also sent as a line inside a stream that fails part-way. */
export const ollamaErrorSchema = z.looseObject({ error: z.string() });
export type OllamaError = z.infer<typeof ollamaErrorSchema>;
