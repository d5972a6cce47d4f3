import { chatCompletionRequestSchema, THREAD_ID_HEADER, type ChatCompletionRequest, type ChatMessage } from '@mcpctl/protocol';
import { badRequest, describeZodError, forbidden, serviceUnavailable } from '../errors.js';
import type { Caller } from '../inference/caller.js';
import type { InferenceOutcome } from '../inference/inference-backend.js';
import type { InferenceService } from '../inference/inference-service.js';
import type { NewThreadMessage } from '../repositories/thread-repository.js';
import type { AgentService } from './agent-service.js';
import type { Principal } from './principal.js';
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
}

/**
 * Chatting with an agent: its system prompt first, its default parameters under the
 * request's own, the thread's history in between — then the pinned LLM or pool answers
 * through the same dispatch as any request.
 */
export class AgentChatService {
  constructor(
    private readonly agents: AgentService,
    private readonly threads: ThreadService,
    private readonly inference: InferenceService,
  ) {}

  async chat(chat: AgentChat): Promise<InferenceOutcome> {
    const agent = await this.agents.findVisible(chat.principal, chat.agentName);
    if (!chat.principal.can('run', 'agents', agent)) throw forbidden(`you may not chat with agent ${agent.name}`);
    if (agent.kind === 'virtual' && agent.status === 'inactive') throw serviceUnavailable(`the publisher of agent ${agent.name} is offline`, 30);
    const { threadId: presented, ...request } = chat.request;
    const history = presented && chat.keepThread ? await this.threads.history(chat.principal, presented) : [];
    const threadId = chat.keepThread ? (presented ?? (await this.threads.start(chat.principal, agent.name, titleOf(request.messages)))) : undefined;
    const merged = chatCompletionRequestSchema.safeParse({
      ...agent.defaultParams,
      ...request,
      model: agent.llm,
      messages: [...(agent.systemPrompt ? [{ role: 'system', content: agent.systemPrompt }] : []), ...history, ...request.messages],
    });
    if (!merged.success) throw badRequest(`${describeZodError(merged.error, `request with agent ${agent.name}'s default parameters`)}`);
    const outcome = await this.inference.run({
      principal: chat.principal,
      name: agent.llm,
      request: merged.data,
      endpoint: chat.endpoint,
      caller: threadId ? withHeader(chat.caller, THREAD_ID_HEADER, threadId) : chat.caller,
      waitSeconds: chat.waitSeconds,
      hops: chat.hops,
      collectContent: threadId !== undefined,
    });
    if (threadId && outcome.status === 200 && outcome.content !== undefined) {
      await this.threads.append(threadId, exchange(request.messages, outcome));
    }
    return outcome;
  }
}

function exchange(messages: ChatMessage[], outcome: InferenceOutcome): NewThreadMessage[] {
  return [
    ...messages.filter((message) => message.role !== 'system').map((message) => ({ role: message.role, content: textOf(message) })),
    {
      role: 'assistant',
      content: outcome.content ?? '',
      promptTokens: outcome.usage?.prompt_tokens ?? null,
      completionTokens: outcome.usage?.completion_tokens ?? null,
    },
  ];
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

function withHeader(caller: Caller, name: string, value: string): Caller {
  return {
    signal: caller.signal,
    get streaming() {
      return caller.streaming;
    },
    sendJson: (json, headers) => caller.sendJson(json, { ...headers, [name]: value }),
    openStream: (headers) => caller.openStream({ ...headers, [name]: value }),
  };
}
