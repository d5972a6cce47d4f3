import { chatCompletionRequestSchema, SAME_MEANING_PARAMETERS, THREAD_ID_HEADER, type ChatCompletionRequest, type ChatMessage } from '@mcpctl/protocol';
import { badRequest, conflict, describeZodError, forbidden, notFound, serviceUnavailable } from '../errors.js';
import type { Caller, CancelSignal } from '../inference/caller.js';
import type { InferenceOutcome } from '../inference/inference-backend.js';
import type { ReconnectGrace } from '../dispatch/reconnect-grace.js';
import type { InferenceService } from './inference-service.js';
import type { NewThreadMessage } from '../repositories/thread-repository.js';
import type { AgentRecord } from '../repositories/agent-repository.js';
import type { AgentService } from './agent-service.js';
import type { InferenceTarget, LlmCatalog } from '../catalog/llm-catalog.js';
import { agentLlmState } from './agent-llm-pin.js';
import { canSee, type Principal } from '../rbac/principal.js';
import { threadCaller } from './thread-caller.js';
import type { ThreadService } from './thread-service.js';

export interface AgentChat {
  principal: Principal;
  agentName: string;
  request: ChatCompletionRequest;
  caller: Caller;
  endpoint: string;
  /** Store the exchange in a thread (the request's `threadId`, or a new one). */
  keepThread: boolean;
  waitSeconds?: number | undefined;
  /** The mcpd instances the request came through (`x-mcpctl-hop`). */
  hops?: readonly string[] | undefined;
  /** The `x-request-id` the caller is answered with, for the audit. */
  requestId?: string | undefined;
  /** Told once the chat's inference wrote its audit record (`InferenceCall.onRecorded`). */
  onRecorded?: (() => void) | undefined;
}

/**
 * Chatting with an agent: its system prompt first, its default parameters under the
 * request's own, the thread's history in between — then the pinned LLM or pool answers
 * through the same dispatch as any request. An agent pinned to a pool member is served by the
 * whole pool (SPEC §2).
 */
export class AgentChatService {
  /** The turn running, or last queued, on each thread with a turn under way here. */
  readonly #turns = new Map<string, Promise<void>>();

  constructor(
    private readonly agents: AgentService,
    private readonly threads: ThreadService,
    private readonly inference: InferenceService,
    private readonly catalog: LlmCatalog,
    private readonly grace: ReconnectGrace,
  ) {}

  async chat(chat: AgentChat): Promise<InferenceOutcome> {
    this.inference.assertAccepting();
    const agent = await this.agents.findVisible(chat.principal, chat.agentName);
    if (!chat.principal.can('run', 'agents', agent)) throw forbidden(`chatting with agent ${agent.name} needs the run:agents permission; ask an admin for a role binding that grants it`);
    // Right after a restart its publisher may be on its way back: then the dispatch waits for it.
    const expectedBack = this.grace.remainingMs(agent.providerSessionId) > 0;
    if (agent.kind === 'virtual' && agent.status === 'inactive' && !expectedBack) throw serviceUnavailable(`the publisher of agent ${agent.name} is offline`, 30);
    const pinned = await this.catalog.find(agent.llm);
    // Judged on what the caller may see: a private row that took the name stays unsaid.
    const poolHasMembers = agent.llmPin?.kind === 'pool' && (await this.catalog.findPool(agent.llm)).some((member) => canSee(chat.principal, member.record));
    assertPinHolds(agent, pinned && canSee(chat.principal, pinned.record) ? pinned : undefined, poolHasMembers);
    // The dispatcher would refuse too, naming only the LLM the caller never asked for.
    if (pinned && canSee(chat.principal, pinned.record) && !chat.principal.can('run', 'llms', pinned.record)) {
      throw forbidden(
        `agent ${agent.name} answers through LLM ${pinned.record.name}, and running ${pinned.record.name} needs the run:llms permission too (an agent carries no right to its LLM); ask an admin for a role binding that grants it`,
      );
    }
    const presented = chat.request.threadId;
    if (presented === undefined || !chat.keepThread) return this.#turn(chat, agent, pinned);
    return this.#oneTurnAtATime(presented, chat.caller.signal, () => this.#turn(chat, agent, pinned));
  }

  /**
   * Runs the turns of one thread one after another on this replica: each reads the history the
   * one before it stored. Turns sent together would each read the same history and store a
   * transcript none of them saw.
   */
  async #oneTurnAtATime<T>(threadId: string, signal: CancelSignal, turn: () => Promise<T>): Promise<T> {
    const before = this.#turns.get(threadId) ?? Promise.resolve();
    let done: () => void = () => undefined;
    const mine = before.then(() => new Promise<void>((resolve) => (done = resolve)));
    this.#turns.set(threadId, mine);
    try {
      // A caller that leaves stops waiting: its turn then ends at once, as a call whose caller left.
      await untilCancelled(before, signal);
      this.inference.assertAccepting();
      return await turn();
    } finally {
      done();
      if (this.#turns.get(threadId) === mine) this.#turns.delete(threadId);
    }
  }

  /** One exchange: the thread's history and the agent's prompt and defaults around the request, answered, and stored. */
  async #turn(chat: AgentChat, agent: AgentRecord, pinned: InferenceTarget | undefined): Promise<InferenceOutcome> {
    const { threadId: presented, ...request } = chat.request;
    const history = presented && chat.keepThread ? await this.threads.history(chat.principal, presented, agent) : [];
    const threadId = chat.keepThread ? (presented ?? (await this.threads.start(chat.principal, agent, titleOf(request.messages)))) : undefined;
    const merged = chatCompletionRequestSchema.safeParse({
      ...defaultsUnder(agent.defaultParams, request),
      ...givenOver(agent.defaultParams, request),
      model: agent.llm,
      messages: [...(agent.systemPrompt ? [{ role: 'system', content: agent.systemPrompt }] : []), ...history.map(replayed), ...request.messages],
    });
    if (!merged.success) throw badRequest(describeZodError(merged.error, `request with agent ${agent.name}'s default parameters`));
    // A thread's answer ends once its exchange is stored, so the next message sees it.
    const held = threadId ? threadCaller(chat.caller, THREAD_ID_HEADER, threadId) : undefined;
    let stored = false;
    try {
      const outcome = await this.inference.run({
        principal: chat.principal,
        name: await this.#dispatchName(chat.principal, agent, pinned),
        request: merged.data,
        endpoint: chat.endpoint,
        agentName: agent.name,
        caller: held?.caller ?? chat.caller,
        waitSeconds: chat.waitSeconds,
        hops: chat.hops,
        requestId: chat.requestId,
        onRecorded: chat.onRecorded,
        collectContent: threadId !== undefined,
      });
      if (threadId && outcome.status === 200 && outcome.content !== undefined) {
        // A thread its user deleted during the answer keeps nothing.
        stored = await this.threads.append(threadId, exchange(request.messages, outcome));
      }
      return outcome;
    } finally {
      // "A failed answer stores nothing": a thread this chat started goes with it.
      if (threadId && !presented && !stored) await this.threads.discardUnused(threadId).catch(() => undefined);
      held?.release();
    }
  }

  /**
   * The name to dispatch to: the pool of the pinned LLM when it has one, so any healthy member
   * serves. The pool is learnt only through a pinned row the caller can see, and the dispatcher
   * then picks among the members the caller can see; a pool name that an LLM also answers to
   * (rows older than the shared namespace) keeps the pinned LLM.
   */
  async #dispatchName(principal: Principal, agent: AgentRecord, pinned: InferenceTarget | undefined): Promise<string> {
    const poolName = pinned && canSee(principal, pinned.record) ? pinned.record.poolName : null;
    if (!poolName || (await this.catalog.find(poolName))) return agent.llm;
    return poolName;
  }
}

/**
 * An agent sends its prompts only to what it was pointed at: a name freed and claimed by another
 * user (an LLM deleted, a publisher gone, a pool emptied) would otherwise receive its system
 * prompt and every caller's messages.
 */
function assertPinHolds(agent: AgentRecord, pinned: InferenceTarget | undefined, poolHasMembers: boolean): void {
  const state = agentLlmState(agent, pinned?.record, poolHasMembers);
  if (state === 'gone' && agent.llmPin?.kind === 'pool') {
    throw notFound(`agent ${agent.name} is pointed at pool ${agent.llm}, which has no member you can see; its owner can point it at another LLM or pool (llm in 'mcpctl apply')`);
  }
  if (state === 'gone') {
    throw notFound(`agent ${agent.name} is pointed at LLM ${agent.llm}, which is not an LLM you can see (deleted, or private); its owner can point it at another LLM or pool (llm in 'mcpctl apply')`);
  }
  if (state === 'moved') {
    const what = agent.llmPin?.kind === 'pool' ? `pool ${agent.llm}, and ${agent.llm} now names an LLM` : `LLM ${agent.llm}, and another owner's LLM has taken that name since`;
    const again = agent.kind === 'virtual' ? `then restarts the mcplocal that publishes it` : `then mcpctl apply`;
    throw conflict(
      `agent ${agent.name} was pointed at ${what}, so the agent sends nothing there; to point it at what the name means now, its owner deletes the agent and creates it again (mcpctl delete agent ${agent.name}, ${again})`,
    );
  }
}

function exchange(messages: ChatMessage[], outcome: InferenceOutcome): NewThreadMessage[] {
  return [
    ...messages.filter((message) => message.role !== 'system').map((message) => ({ role: message.role, content: textOf(message), extra: extraOf(message) })),
    {
      role: 'assistant',
      content: outcome.content ?? '',
      extra: outcome.toolCalls ? { tool_calls: outcome.toolCalls } : null,
      promptTokens: outcome.usage?.prompt_tokens ?? null,
      completionTokens: outcome.usage?.completion_tokens ?? null,
    },
  ];
}

/** A message's fields a replay needs beside its text: without them a tool result answers no call. */
const REPLAYED_FIELDS = ['tool_calls', 'tool_call_id', 'name'] as const;

function extraOf(message: ChatMessage): Record<string, unknown> | null {
  const extra: Record<string, unknown> = {};
  for (const field of REPLAYED_FIELDS) if ((message as Record<string, unknown>)[field] !== undefined) extra[field] = (message as Record<string, unknown>)[field];
  // Parts (an image, several texts) go back as they came; the text column holds their text.
  if (Array.isArray(message.content)) extra.content = message.content;
  return Object.keys(extra).length > 0 ? extra : null;
}

/** A stored message as the next turn sends it: its text, or what it carried beside it. */
function replayed(message: NewThreadMessage): Record<string, unknown> {
  const extra = message.extra ?? {};
  // An assistant message that only called tools has no text: OpenAI's shape says null then.
  const content = message.content === '' && extra.tool_calls !== undefined ? null : message.content;
  return { role: message.role, content, ...extra };
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) return message.content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  return '';
}

function titleOf(messages: ChatMessage[]): string | null {
  const first = messages.find((message) => message.role === 'user');
  const text = first ? textOf(first).replace(/\s+/g, ' ').trim() : '';
  return text ? (text.length > 60 ? `${text.slice(0, 59)}…` : text) : null;
}

/**
 * An agent's default parameters that go under the request's own. Of two names for one thing
 * (`SAME_MEANING_PARAMETERS`), a caller who sets either replaces a default of the other: a
 * caller's `max_completion_tokens` replaces a default `max_tokens`, as OpenAI refuses both.
 */
function defaultsUnder(defaults: Record<string, unknown> | null | undefined, request: Record<string, unknown>): Record<string, unknown> {
  const replaced = new Set<string>();
  for (const [one, other] of SAME_MEANING_PARAMETERS) {
    if (request[one] != null) replaced.add(other);
    if (request[other] != null) replaced.add(one);
  }
  return Object.fromEntries(Object.entries(defaults ?? {}).filter(([name]) => !replaced.has(name)));
}

/**
 * The request's own fields that go over the agent's defaults. A `null` asks for the default, as
 * OpenAI's API reads it (`"temperature": null` is its default temperature): where the agent has a
 * default for that field (or for the other name of the same limit), the agent's is the default
 * meant, so the null does not replace it.
 */
function givenOver(defaults: Record<string, unknown> | null | undefined, request: Record<string, unknown>): Record<string, unknown> {
  if (!defaults) return request;
  const defaulted = (name: string) => Object.hasOwn(defaults, name) || SAME_MEANING_PARAMETERS.some((pair) => pair.includes(name) && pair.some((other) => Object.hasOwn(defaults, other)));
  return Object.fromEntries(Object.entries(request).filter(([name, value]) => value !== null || !defaulted(name)));
}

/** Resolves when `waited` does, or at once when the signal is cancelled. */
function untilCancelled(waited: Promise<void>, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const stop = () => {
      signal.removeEventListener('abort', stop);
      resolve();
    };
    signal.addEventListener('abort', stop, { once: true });
    void waited.then(stop);
  });
}
