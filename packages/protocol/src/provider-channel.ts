import { z } from 'zod';
import { llmTierSchema, llmTypeSchema, llmViewSchema, visibilitySchema, wakeRecipeKindSchema } from './llm.js';
import { agentViewSchema } from './agent.js';
import { resourceNameSchema } from './names.js';

/*
 * The provider channel between mcplocal and mcpd. Its shapes are fixed: mcplocal builds in
 * users' hands speak exactly these. Objects are loose so that fields a newer client adds are
 * ignored by this server, as older servers ignore them too.
 */

/** Names the HTTP header carrying the session id on the control stream. */
export const PROVIDER_SESSION_HEADER = 'x-mcpctl-provider-session';

export const publishedProviderSchema = z.looseObject({
  name: resourceNameSchema,
  type: llmTypeSchema,
  model: z.string().min(1).max(256),
  tier: llmTierSchema.optional(),
  description: z.string().max(2048).optional(),
  poolName: resourceNameSchema.optional(),
  visibility: visibilitySchema.optional(),
  initialStatus: z.enum(['active', 'hibernating']).optional(),
  maxConcurrent: z.number().int().min(1).max(100_000).optional(),
  /** Extra field (old servers ignore it): the provider can be woken, and how long a wake may take. */
  wakeRecipe: z
    .looseObject({ kind: wakeRecipeKindSchema, maxWaitSeconds: z.number().positive().max(3600) })
    .optional(),
});
export type PublishedProvider = z.infer<typeof publishedProviderSchema>;

export const publishedAgentSchema = z.looseObject({
  name: resourceNameSchema,
  llmName: resourceNameSchema,
  description: z.string().max(2048).optional(),
  systemPrompt: z.string().max(100_000).optional(),
  project: z.string().max(256).optional(),
  defaultParams: z.record(z.string(), z.unknown()).optional(),
  extras: z.record(z.string(), z.unknown()).optional(),
  visibility: visibilitySchema.optional(),
});
export type PublishedAgent = z.infer<typeof publishedAgentSchema>;

export const providerRegisterRequestSchema = z.looseObject({
  providerSessionId: z.string().min(1).max(256).optional(),
  providers: z.array(publishedProviderSchema).max(256),
  agents: z.array(publishedAgentSchema).max(256).optional(),
});
export type ProviderRegisterRequest = z.infer<typeof providerRegisterRequestSchema>;

export const providerRegisterResponseSchema = z.object({
  providerSessionId: z.string(),
  llms: z.array(llmViewSchema),
  agents: z.array(agentViewSchema),
  /**
   * Extra field (old mcplocal builds ignore it): mcpd serves the provider socket (`provider-socket.ts`)
   * at this path; absent when it does not, and the publisher speaks SSE + POST.
   */
  providerSocketPath: z.string().startsWith('/').optional(),
  /**
   * Extra field (old mcplocal builds ignore it): this mcpd takes each result `seq` once, so a
   * publisher may post a result again when its connection failed before the answer.
   */
  takesResultSeq: z.literal(true).optional(),
});
export type ProviderRegisterResponse = z.infer<typeof providerRegisterResponseSchema>;

/*
 * The answers as mcplocal reads them from any mcpd, older and newer ones included: only what
 * mcplocal uses is required, a missing optional field (or null) means "none", unknown fields
 * are ignored. mcpd still validates what it receives with the strict request schemas above.
 */

/** A list an mcpd may leave out or send as null: both mean empty. */
const listOrNone = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((list): z.output<T>[] => list ?? []);

/**
 * An LLM or agent row of the register answer as mcplocal reads it: its name and state for the
 * log, and its visibility, which mcpd keeps from the row's creation.
 */
const registeredRowReadSchema = z.looseObject({ name: z.string(), status: z.string().nullish(), visibility: z.string().nullish() });

/** The register answer as mcplocal reads it: the session id, and the names and states of the rows for its log. */
export const providerRegisterAnswerSchema = z.looseObject({
  providerSessionId: z.string().min(1),
  llms: listOrNone(registeredRowReadSchema),
  agents: listOrNone(registeredRowReadSchema),
  /** Where the provider socket is, when this mcpd offers one; anything unusable means "no socket". */
  providerSocketPath: z
    .unknown()
    .transform((path) => (typeof path === 'string' && path.startsWith('/') ? path : undefined))
    // A transform alone makes the key required in zod 4: an older mcpd's answer, without it, would fail.
    .optional(),
  /** Whether this mcpd takes each result `seq` once; an older one, which does not say, may take a repeat twice. */
  takesResultSeq: z
    .unknown()
    .transform((value) => value === true)
    .optional(),
});
export type ProviderRegisterAnswer = z.infer<typeof providerRegisterAnswerSchema>;

export const providerHeartbeatRequestSchema = z.looseObject({
  providerSessionId: z.string().min(1).max(256),
  /** Extra field (old servers ignore it): published names whose backend has gone to sleep. */
  hibernating: z.array(z.string().max(63)).max(256).optional(),
  /**
   * Extra field (old servers ignore it): names told `hibernating` earlier whose backend serves
   * again without a wake from mcpd (a managed server a local request started, a server its owner
   * started by hand).
   */
  awake: z.array(z.string().max(63)).max(256).optional(),
});
export type ProviderHeartbeatRequest = z.infer<typeof providerHeartbeatRequestSchema>;
/** What a heartbeat tells beyond "still here": rows to put to sleep, and rows serving again. */
export type HeartbeatNews = Pick<ProviderHeartbeatRequest, 'hibernating' | 'awake'>;

/** `event: hello` on a newly opened control stream. */
export const providerHelloSchema = z.object({ providerSessionId: z.string() });
export type ProviderHello = z.infer<typeof providerHelloSchema>;
/** `event: hello` as mcplocal reads it: a hello without the session id greets as well. */
export const providerHelloReadSchema = z.looseObject({ providerSessionId: z.string().nullish() });

export const inferTaskSchema = z.looseObject({
  kind: z.literal('infer'),
  taskId: z.string(),
  llmName: z.string(),
  /** An OpenAI chat-completions body without `stream`. */
  request: z.record(z.string(), z.unknown()),
  streaming: z.boolean(),
});
export const wakeTaskSchema = z.looseObject({ kind: z.literal('wake'), taskId: z.string(), llmName: z.string() });
export const cancelTaskSchema = z.looseObject({ kind: z.literal('cancel'), taskId: z.string(), llmName: z.string() });

/** `event: task` frames. Clients ignore kinds they do not know. */
export const providerTaskSchema = z.discriminatedUnion('kind', [inferTaskSchema, wakeTaskSchema, cancelTaskSchema]);
export type InferTask = z.infer<typeof inferTaskSchema>;
export type WakeTask = z.infer<typeof wakeTaskSchema>;
export type CancelTask = z.infer<typeof cancelTaskSchema>;
export type ProviderTask = z.infer<typeof providerTaskSchema>;

/**
 * `event: task` frames as mcplocal reads them: an infer frame without `streaming` asks for a
 * whole answer, and a cancel needs only its task id.
 */
export const providerTaskReadSchema = z.discriminatedUnion('kind', [
  inferTaskSchema.extend({ streaming: z.boolean().nullish().transform((streaming) => streaming ?? false) }),
  wakeTaskSchema,
  cancelTaskSchema.extend({ llmName: z.string().nullish() }),
]);
export type ProviderTaskRead = z.infer<typeof providerTaskReadSchema>;

/**
 * The body of a successful wake's whole result: the wake took `ms` milliseconds as the publisher
 * measured it. mcpd decides success by the result's status alone and measures the wake itself,
 * so a body of another shape from an older publisher still counts as woken.
 */
export const wakeResultBodySchema = z.object({ ok: z.literal(true), ms: z.number().nonnegative() });
export type WakeResultBody = z.infer<typeof wakeResultBodySchema>;

/**
 * Extra field of every result (older servers ignore it): its place among the task's results,
 * 1, 2, 3…. A publisher that posts a result again after its connection failed before mcpd answered
 * (mcpd may have taken it) sends the same number, and mcpd takes each number once.
 */
export const resultSeqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional();

/**
 * A publisher's word on when to try again, in whole seconds from 1 to a day. A value outside
 * that is dropped, not the result with it.
 */
const retryAfterSecondsSchema = z.number().int().positive().max(86_400).optional().catch(undefined);

/**
 * A `Retry-After` header in the whole seconds a result may carry (1 to a day): its delta-seconds
 * form, clamped; undefined for anything else (an HTTP date, text, absent).
 */
export function retryAfterSecondsOf(header: string | undefined): number | undefined {
  if (header === undefined || !/^\s*\d+\s*$/.test(header)) return undefined;
  return clampRetrySeconds(Number(header));
}

/**
 * How long a server's answer asks to wait, in a result's whole seconds (1 to a day):
 * `retry-after-ms` (OpenAI's and Azure's, in milliseconds) when it sent one, else `Retry-After`
 * as delta-seconds or as an HTTP date, read against `nowMs`. Undefined when it asked nothing a
 * reader can use.
 */
export function retryAfterOfHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, nowMs: number): number | undefined {
  const milliseconds = firstValue(headers['retry-after-ms']);
  if (milliseconds !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds)) return clampRetrySeconds(Math.ceil(Number(milliseconds) / 1000));
  const header = firstValue(headers['retry-after']);
  if (header === undefined) return undefined;
  const seconds = retryAfterSecondsOf(header);
  if (seconds !== undefined || !/GMT\s*$/.test(header)) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : clampRetrySeconds(Math.ceil((at - nowMs) / 1000));
}

function clampRetrySeconds(seconds: number): number {
  return Math.min(86_400, Math.max(1, seconds));
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Statuses of a model server's refusal of the request itself (a prompt too long, a parameter it
 * does not take, rate limited): a publisher sends them up as a whole answer, and the caller gets
 * them as they are. Any other error status is the publisher failing.
 */
export const REQUEST_REFUSAL_STATUSES: ReadonlySet<number> = new Set([400, 413, 422, 429]);

/**
 * The whole answer: a non-streaming completion, a wake's `{ok:true, ms}` (`wakeResultBodySchema`),
 * or the local server's refusal of the request itself (400, 413, 422, 429), with, an extra field
 * older servers ignore, its `Retry-After` as `retryAfterSeconds`.
 */
export const taskWholeResultSchema = z.object({ status: z.number().int().min(100).max(599), body: z.unknown(), retryAfterSeconds: retryAfterSecondsSchema, seq: resultSeqSchema });
/**
 * One streamed frame; `data` is a chat.completion.chunk JSON string, the last is "[DONE]" with done.
 * Its size is bounded by the server's limit on the whole post (mcpd: `MCPD_MAX_RESULT_BYTES`).
 */
export const taskChunkResultSchema = z.object({
  chunk: z.object({ data: z.string(), done: z.boolean().optional() }),
  seq: resultSeqSchema,
});
/** The longest failure a task's error result may carry; a publisher cuts a longer one. */
export const TASK_ERROR_MAX_CHARS = 10_000;

/**
 * A task that failed. `retryAfterSeconds`, an extra field older servers ignore: the publisher knows
 * when it can serve again (a managed server that keeps crashing is started again in that many
 * seconds), and mcpd's 503 says so instead of its own guess. A value that is not a whole number
 * of seconds from 1 to a day is dropped, not the error with it: the task still ends.
 */
export const taskErrorResultSchema = z.object({
  error: z.string().max(TASK_ERROR_MAX_CHARS),
  retryAfterSeconds: retryAfterSecondsSchema,
  seq: resultSeqSchema,
});

/** Body of `POST /api/v1/llms/_provider-task/:taskId/result`. */
export const taskResultSchema = z.union([taskChunkResultSchema, taskErrorResultSchema, taskWholeResultSchema]);
export type TaskResult = z.infer<typeof taskResultSchema>;

/**
 * A result after which its task is over: a whole answer, an error, or a stream's last chunk. It
 * reads results not yet validated too (mcpd peeks before passing them to another replica).
 */
export function isLastResult(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  if ('status' in result || 'error' in result) return true;
  const { chunk } = result as { chunk?: { done?: unknown } };
  return chunk?.done === true;
}
export type TaskWholeResult = z.infer<typeof taskWholeResultSchema>;
export type TaskChunkResult = z.infer<typeof taskChunkResultSchema>;
export type TaskErrorResult = z.infer<typeof taskErrorResultSchema>;
