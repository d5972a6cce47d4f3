import type { ThreadDetailView, ThreadView } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { conflict, echo, notFound } from '../errors.js';
import type { NewThreadMessage, ThreadRepository, ThreadSummary } from '../repositories/thread-repository.js';
import { assertWithinCap } from '../security/per-user-caps.js';
import { generateId } from '../security/token.js';
import type { Principal } from '../rbac/principal.js';

/** Threads belong to their user alone: anyone else is told they do not exist. */
export class ThreadService {
  constructor(
    private readonly threads: ThreadRepository,
    private readonly clock: Clock,
    /** Threads one user may keep. */
    private readonly maxThreads = Number.POSITIVE_INFINITY,
  ) {}

  async list(principal: Principal): Promise<ThreadView[]> {
    return (await this.threads.listOwn(principal.userId)).map(toThreadView);
  }

  async get(principal: Principal, id: string): Promise<ThreadDetailView> {
    const thread = await this.#own(principal, id);
    const messages = await this.threads.messages(id);
    return {
      ...toThreadView({ ...thread, messageCount: messages.length }),
      messages: messages.map((message) => ({
        role: message.role,
        content: message.content,
        createdAt: message.createdAt.toISOString(),
        promptTokens: message.promptTokens,
        completionTokens: message.completionTokens,
      })),
    };
  }

  async delete(principal: Principal, id: string): Promise<void> {
    if (!(await this.threads.deleteOwn(id, principal.userId))) throw notFound(`thread not found: ${echo(id)}`);
  }

  /**
   * The stored history of a thread the caller owns, oldest first, to go on with `agent`: the one
   * it was started with. Another agent, or a newer one that took a deleted agent's name (someone
   * else's, with its own prompt and LLM), would be handed a conversation never meant for it.
   */
  async history(principal: Principal, id: string, agent: { id: string; name: string; ownerId: string | null }): Promise<NewThreadMessage[]> {
    const thread = await this.#own(principal, id);
    if (thread.agentName !== agent.name) {
      throw conflict(`thread ${echo(id)} is a conversation with agent ${echo(thread.agentName)}, not ${echo(agent.name)}: go on with ${echo(thread.agentName)}, or leave threadId out to start a new thread`);
    }
    // The caller's own agent made again (a published one mcpd removed and its mcplocal published anew) is still theirs to talk to.
    if (thread.agentId !== null && thread.agentId !== agent.id && agent.ownerId !== principal.userId) {
      throw conflict(`thread ${echo(id)} was started with an agent ${echo(agent.name)} that has since been deleted; the agent of that name now is another user's: leave threadId out to start a new thread`);
    }
    return (await this.threads.messages(id)).map(({ role, content, extra }) => ({ role, content, extra }));
  }

  /** Called before the inference runs, so a user at the cap is refused before the model works. */
  async start(principal: Principal, agent: { id: string; name: string }, title: string | null): Promise<string> {
    assertWithinCap((await this.threads.countOwn(principal.userId)) + 1, this.maxThreads, 'threads', 'delete old ones (mcpctl delete thread ID)');
    const id = generateId('thr_');
    await this.threads.insert({ id, userId: principal.userId, agentName: agent.name, agentId: agent.id, title, at: this.clock.now() });
    return id;
  }

  /**
   * A thread a chat started whose answer failed holds nothing: it goes, so failed chats neither
   * litter the list nor count against the cap. One that got a message meanwhile stays.
   */
  async discardUnused(id: string): Promise<void> {
    await this.threads.deleteIfEmpty(id);
  }

  /** False when the thread was deleted while its answer was written: nothing is stored. */
  append(id: string, messages: NewThreadMessage[]): Promise<boolean> {
    return this.threads.append(id, messages, this.clock.now());
  }

  async #own(principal: Principal, id: string) {
    const thread = await this.threads.findOwn(id, principal.userId);
    if (!thread) throw notFound(`thread not found: ${echo(id)}`);
    return thread;
  }
}

function toThreadView(thread: ThreadSummary): ThreadView {
  return {
    id: thread.id,
    agent: thread.agentName,
    title: thread.title,
    messageCount: thread.messageCount,
    createdAt: thread.createdAt.toISOString(),
    updatedAt: thread.updatedAt.toISOString(),
  };
}
