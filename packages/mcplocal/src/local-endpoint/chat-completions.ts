import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@mcpctl/clock';
import { chatCompletionRequestSchema } from '@mcpctl/protocol';
import { LocalEndpointError } from '../errors.js';
import type { FailoverRouter } from '../failover/failover-router.js';
import type { ProviderRegistry } from '../failover/provider-registry.js';
import type { LlmProvider } from '../providers/llm-provider.js';
import type { CompletionIdentity } from '../registrar/completion-identity.js';
import { didNotWakeMessage, FAILED_WAKE_RETRY_AFTER_SECONDS, foundAsleep } from '../wake/backend-asleep.js';
import type { ProviderTurns } from '../registrar/provider-slots.js';
import type { LocalWakes } from '../wake/local-wakes.js';
import { ManagedProvider } from '../managed/managed-provider.js';
import type { McpdClient } from './mcpd-client.js';
import type { LocalEndpointLog } from './local-endpoint-options.js';
import { pipeResponse } from './pipe-response.js';
import { readJsonBody } from './read-json-body.js';
import { failUnansweredStream } from './send-answer.js';
import { serveLocally, type LocalChat } from './serve-locally.js';
import { waitComments } from './wait-comments.js';

export interface ChatCompletionsContext {
  registry: ProviderRegistry;
  /** Absent without credentials: then only local providers are served. */
  mcpd: { client: McpdClient; router: FailoverRouter } | undefined;
  bodyLimitBytes: number;
  identity(model: string): CompletionIdentity;
  wakes?: LocalWakes | undefined;
  /** A turn on a provider under its `maxConcurrent`, shared with relayed tasks. */
  turns?: ProviderTurns | undefined;
  /** Times the comments a streaming caller hears while a backend wakes, every `wakeCommentIntervalMs`. */
  clock: Clock;
  wakeCommentIntervalMs: number;
  log?: LocalEndpointLog | undefined;
}

/** How a forwarded request ended up served. */
type Served = { by: 'mcpd'; response: Response } | { by: 'local' };

/**
 * `POST /v1/chat/completions`: `model` names a local provider (served here) or anything mcpd
 * knows — an LLM, pool or agent — which is forwarded with the user's token. When mcpd fails
 * to answer (unreachable, or a 5xx before any byte of the answer: a stream that failed after its
 * `: waiting` comments alone counts) and a local provider stands in for that name, the failover
 * router decides whether it serves instead. A local provider, asked for by name or standing in,
 * is woken first when its backend is found asleep (see {@link serveAwake}).
 */
export async function chatCompletions(
  context: ChatCompletionsContext,
  request: IncomingMessage,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const body = await readJsonBody(request, context.bodyLimitBytes);
  const parsed = chatCompletionRequestSchema.safeParse(body.value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`);
    throw new LocalEndpointError(400, `invalid request body: ${problems.join('; ')}`);
  }
  const model = parsed.data.model;
  if (model === undefined || model === '') throw new LocalEndpointError(400, 'invalid request body: model: name a local provider or a central LLM');
  const localChat = (name: string, asItself: boolean): LocalChat => ({
    request: parsed.data,
    streaming: parsed.data.stream === true,
    includeUsage: parsed.data.stream_options?.include_usage === true,
    identity: context.identity(name),
    asItself,
    signal,
    log: context.log,
  });

  const provider = context.registry.get(model);
  if (provider) return serveAwake(context, provider, localChat(model, true), response);
  if (!context.mcpd) {
    throw new LocalEndpointError(404, `unknown model "${model}": no local provider has that name, and mcplocal started without credentials to ask mcpd (run mcpctl login, then restart mcplocal)`);
  }
  const { client, router } = context.mcpd;
  const outcome = await router.run<Served>(
    model,
    async () => ({ by: 'mcpd', response: await client.chat(body.text, request.headers, signal) }),
    async (standIn: LlmProvider) => {
      await serveAwake(context, standIn, localChat(model, false), response);
      return { by: 'local' };
    },
    { signal, failsOver: isCentralFailure },
  );
  if (outcome.result.by !== 'mcpd') return;
  await pipeResponse(outcome.result.response, response, signal, {
    // The stream is open (mcpd's comments went on), but no answer began: a stand-in may still
    // give one, into that stream, by the same rules as for a failure mcpd answered at once.
    beforeAnswer: async (failure) => {
      const central = new LocalEndpointError(failure.status, failure.message);
      if (!isCentralFailure(central)) return false;
      try {
        await router.run(model, () => Promise.reject(central), (standIn) => serveAwake(context, standIn, localChat(model, false), response), { signal, failsOver: isCentralFailure });
        return true;
      } catch (error) {
        // No stand-in, or the user may not use the LLM: the caller gets mcpd's failure.
        if (error === central) return false;
        // The stand-in was allowed and failed before its answer began (its backend did not
        // wake, say): its failure is the answer, as in any failover, told in the open stream.
        if (!signal.aborted && !response.writableEnded) failUnansweredStream(response, error, context.log);
        return true;
      }
    },
  });
}

/**
 * Serves a local provider's request; when it fails before any of the answer went out, as a
 * sleeping backend fails (not reached, 503, no answer in time), and the provider has a wake
 * recipe, its backend is asked whether it serves (as the heartbeats ask it).
 * One that does not is woken, as mcpd's wake would (the same recipe, run once for both), and the
 * request served again. A backend that answers yet failed the request keeps its failure.
 * A streaming caller hears `: waking` comments meanwhile; once they opened its stream, a failure
 * reaches it as an error frame (the endpoint writes it).
 */
/**
 * A managed server that does not serve is started before a streaming request is served, with
 * `: waking` comments meanwhile: its start is its wake, a model loading for minutes, and a caller
 * must not sit on a silent connection through it. No hold is kept: the provider's own call takes
 * the request's only one (a second, held across a wait for the provider's turn, would keep a
 * group's swap waiting on this request while it waits on the swap).
 */
async function startManaged(context: ChatCompletionsContext, provider: LlmProvider, chat: LocalChat, response: ServerResponse): Promise<void> {
  if (!chat.streaming || !(provider instanceof ManagedProvider) || provider.server.serving) return;
  const stopComments = waitComments(response, 'waking', provider.name, context.clock, context.wakeCommentIntervalMs);
  try {
    await provider.server.start('request', chat.signal);
  } finally {
    stopComments();
  }
}

async function serveAwake(context: ChatCompletionsContext, provider: LlmProvider, chat: LocalChat, response: ServerResponse): Promise<void> {
  await startManaged(context, provider, chat, response);
  try {
    await serveInTurn(context, provider, chat, response);
    return;
  } catch (error) {
    // serveLocally rejects only before any of its answer went out: comments alone may have
    // (mcpd's, for a stand-in answering into its stream).
    const { wakes } = context;
    if (!wakes?.has(provider.name) || response.writableEnded || !(await foundAsleep(provider, error, chat.signal))) throw error;
    context.log?.info(`${provider.name}: its backend is asleep; waking it for a request on the local endpoint`);
    const stopComments = chat.streaming ? waitComments(response, 'waking', provider.name, context.clock, context.wakeCommentIntervalMs) : undefined;
    try {
      await wakes.wake(provider.name, chat.signal);
    } catch (wakeError) {
      if (chat.signal.aborted) throw wakeError;
      const message = didNotWakeMessage(provider.name, wakeError);
      context.log?.warn(message);
      // As mcpd answers a failed wake: a client that retries waits that long rather than waking it again at once.
      throw new LocalEndpointError(503, message, { retryAfter: String(FAILED_WAKE_RETRY_AFTER_SECONDS) });
    } finally {
      stopComments?.();
    }
  }
  await serveInTurn(context, provider, chat, response);
}

/**
 * Serves once the provider has room under its `maxConcurrent`, which relayed tasks count too; a
 * streaming caller hears `: waiting NAME Ns` meanwhile.
 */
async function serveInTurn(context: ChatCompletionsContext, provider: LlmProvider, chat: LocalChat, response: ServerResponse): Promise<void> {
  const stopComments = chat.streaming && context.turns ? waitComments(response, 'waiting', provider.name, context.clock, context.wakeCommentIntervalMs) : undefined;
  let release: (() => void) | undefined;
  try {
    release = await context.turns?.(provider.name, chat.signal);
  } finally {
    stopComments?.();
  }
  try {
    await serveLocally(provider, chat, response);
  } finally {
    release?.();
  }
}

/** mcpd unreachable or failing (5xx). A 4xx is an answer about the request or the caller, which a stand-in must not paper over. */
function isCentralFailure(error: unknown): boolean {
  return error instanceof LocalEndpointError && error.status >= 500;
}
