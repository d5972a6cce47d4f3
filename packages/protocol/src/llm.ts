import { z } from 'zod';
import { resourceNameSchema } from './names.js';

export const llmKindSchema = z.enum(['public', 'virtual']);
export type LlmKind = z.infer<typeof llmKindSchema>;

/** The wire dialect the upstream speaks. */
export const llmTypeSchema = z.enum(['openai', 'anthropic', 'ollama']);
export type LlmType = z.infer<typeof llmTypeSchema>;

export const llmTierSchema = z.enum(['fast', 'heavy']);
export type LlmTier = z.infer<typeof llmTierSchema>;

export const visibilitySchema = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof visibilitySchema>;

export const llmStatusSchema = z.enum(['active', 'inactive', 'hibernating']);
export type LlmStatus = z.infer<typeof llmStatusSchema>;

/** How a hibernating virtual LLM is woken: by an HTTP call or by a command its publisher runs. */
export const wakeRecipeKindSchema = z.enum(['http', 'command']);
export type WakeRecipeKind = z.infer<typeof wakeRecipeKindSchema>;

const isoTime = z.string();

/** What mcpd answers for an LLM. The API key is never part of it. */
/** The provider channel's transports: SSE + POST (SPEC §4.3) and the provider socket. */
export const providerTransportSchema = z.enum(['sse', 'websocket']);
export type ProviderTransport = z.infer<typeof providerTransportSchema>;

export const llmViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: llmKindSchema,
  type: llmTypeSchema,
  model: z.string(),
  url: z.string().nullable(),
  tier: llmTierSchema,
  description: z.string().nullable(),
  poolName: z.string().nullable(),
  visibility: visibilitySchema,
  ownerId: z.string().nullable(),
  owner: z.string().nullable(),
  status: llmStatusSchema,
  hasApiKey: z.boolean(),
  maxConcurrent: z.number().int().nullable(),
  /** How a hibernating virtual LLM is woken (`http`, `command`), or null. Absent from older servers. */
  wakeRecipe: wakeRecipeKindSchema.nullable().default(null),
  lastWakeAt: isoTime.nullable().default(null),
  lastWakeMs: z.number().nullable().default(null),
  /**
   * A published LLM's session: a short reference (never the secret id itself) and whether its
   * control stream is open on the answering mcpd. Null for public LLMs and older servers.
   */
  providerSession: z
    .object({
      ref: z.string(),
      connected: z.boolean(),
      /** How the open control connection travels (`sse` = SSE + POST, `websocket`); null while none is open. */
      transport: providerTransportSchema.nullable().default(null),
    })
    .nullable()
    .default(null),
  lastHeartbeatAt: isoTime.nullable(),
  inactiveSince: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  /** Requests being answered by it now, over every replica. Absent from older servers. */
  inFlight: z.number().int().optional(),
  /** Requests waiting for it by its own name (a pool's queue is the pool's), over every replica. Absent from older servers. */
  queued: z.number().int().optional(),
});
export type LlmView = z.infer<typeof llmViewSchema>;

const upstreamUrlSchema = z
  .string({ error: 'url is required: an http:// or https:// URL' })
  // Before the format: zod's URL check refuses a long URL as if it were no URL at all.
  .max(2048, 'url is at most 2048 characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }))
  // URL parsers read `\` as `/` and drop tabs and line breaks: such a URL would be called otherwise than it reads.
  .refine((url) => !/[\\\t\n\r]/.test(url), "url must not hold a '\\', a tab or a line break (a URL parser reads '\\' as '/'): write '/', or %5C for a backslash");

const maxConcurrentSchema = z.number().int().min(1).max(100_000);

/** Body of `POST /api/v1/llms`: registers a public LLM. */
export const llmCreateSchema = z.strictObject({
  name: resourceNameSchema,
  type: llmTypeSchema,
  model: z.string().min(1).max(256),
  url: upstreamUrlSchema,
  apiKey: z.string().min(1).max(4096).optional(),
  tier: llmTierSchema.optional(),
  description: z.string().max(2048).optional(),
  poolName: resourceNameSchema.optional(),
  visibility: visibilitySchema.optional(),
  maxConcurrent: maxConcurrentSchema.optional(),
});
export type LlmCreate = z.infer<typeof llmCreateSchema>;

/**
 * Body of `PUT /api/v1/llms/:idOrName`. Absent fields are kept; `null` clears an
 * optional field (`apiKey: null` removes the stored key).
 */
export const llmUpdateSchema = z.strictObject({
  type: llmTypeSchema.optional(),
  model: z.string().min(1).max(256).optional(),
  url: upstreamUrlSchema.optional(),
  apiKey: z.string().min(1).max(4096).nullable().optional(),
  tier: llmTierSchema.optional(),
  description: z.string().max(2048).nullable().optional(),
  poolName: resourceNameSchema.nullable().optional(),
  visibility: visibilitySchema.optional(),
  maxConcurrent: maxConcurrentSchema.nullable().optional(),
});
export type LlmUpdate = z.infer<typeof llmUpdateSchema>;
