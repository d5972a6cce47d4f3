import { z } from 'zod';

/* The Anthropic Messages dialect, as far as mcpd translates it to and from OpenAI's. */

export const anthropicImageSourceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string() }),
]);
export type AnthropicImageSource = z.infer<typeof anthropicImageSourceSchema>;

export const anthropicContentBlockSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('thinking'), thinking: z.string() }),
  z.looseObject({ type: z.literal('redacted_thinking') }),
  z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
  z.looseObject({ type: z.literal('tool_result'), tool_use_id: z.string(), content: z.unknown().optional() }),
  z.looseObject({ type: z.literal('image'), source: anthropicImageSourceSchema }),
]);
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

export const anthropicMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(anthropicContentBlockSchema)]),
});
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

export const anthropicToolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('none') }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
]);
export type AnthropicToolChoice = z.infer<typeof anthropicToolChoiceSchema>;

export const anthropicRequestSchema = z.looseObject({
  model: z.string(),
  max_tokens: z.number().int(),
  messages: z.array(anthropicMessageSchema),
  system: z.string().optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  tools: z
    .array(z.object({ name: z.string(), description: z.string().optional(), input_schema: z.unknown() }))
    .optional(),
  tool_choice: anthropicToolChoiceSchema.optional(),
  metadata: z.looseObject({ user_id: z.string().optional() }).optional(),
});
export type AnthropicRequest = z.infer<typeof anthropicRequestSchema>;

/* Counts may be null: Anthropic sends null for figures it does not report in a given event. */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().int().nullable().optional(),
  output_tokens: z.number().int().nullable().optional(),
  cache_creation_input_tokens: z.number().int().nullable().optional(),
  cache_read_input_tokens: z.number().int().nullable().optional(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

export const anthropicResponseSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullable(),
  usage: anthropicUsageSchema,
});
export type AnthropicResponse = z.infer<typeof anthropicResponseSchema>;

export const anthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message_start'),
    message: z.looseObject({ id: z.string(), model: z.string(), usage: anthropicUsageSchema.optional() }),
  }),
  z.looseObject({
    type: z.literal('content_block_start'),
    index: z.number().int(),
    content_block: anthropicContentBlockSchema,
  }),
  z.looseObject({
    type: z.literal('content_block_delta'),
    index: z.number().int(),
    delta: z.discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text_delta'), text: z.string() }),
      z.looseObject({ type: z.literal('input_json_delta'), partial_json: z.string() }),
      z.looseObject({ type: z.literal('thinking_delta'), thinking: z.string() }),
      z.looseObject({ type: z.literal('signature_delta'), signature: z.string() }),
    ]),
  }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({ stop_reason: z.string().nullable().optional() }),
    usage: anthropicUsageSchema.optional(),
  }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
  z.looseObject({ type: z.literal('error'), error: z.looseObject({ type: z.string(), message: z.string() }) }),
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;
