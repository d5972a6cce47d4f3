import { z } from 'zod';

/** Names the thread an agent chat was stored in (created when the request named none). */
export const THREAD_ID_HEADER = 'x-mcpctl-thread-id';

export const threadMessageViewSchema = z.object({
  role: z.string(),
  content: z.string(),
  createdAt: z.string(),
  /** Tokens of the exchange, on the assistant's message. */
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
});
export type ThreadMessageView = z.infer<typeof threadMessageViewSchema>;

export const threadViewSchema = z.object({
  id: z.string(),
  agent: z.string(),
  title: z.string().nullable(),
  messageCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ThreadView = z.infer<typeof threadViewSchema>;

/** `GET /api/v1/threads/:id`: the thread with every message in order. */
export const threadDetailViewSchema = threadViewSchema.extend({ messages: z.array(threadMessageViewSchema) });
export type ThreadDetailView = z.infer<typeof threadDetailViewSchema>;
