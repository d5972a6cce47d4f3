import { THREAD_ID_HEADER } from '@mcpctl/protocol';
import type { ChatHistory, ConversationFields } from './chat-history.js';

/**
 * The history of a `chat AGENT` session, kept by mcpd in a thread: each turn sends only
 * the new message with the thread's id, and mcpd prepends what the thread holds. The first
 * answer of a new thread names it in `x-mcpctl-thread-id`. mcpd stores an exchange only
 * when its answer completes, so a failed or interrupted turn leaves no trace there either.
 */
export class ThreadHistory implements ChatHistory {
  #threadId: string | undefined;

  constructor(threadId?: string) {
    this.#threadId = threadId;
  }

  /** The thread this session writes to; undefined until the first answer of a new one. */
  get threadId(): string | undefined {
    return this.#threadId;
  }

  request(userText: string): ConversationFields {
    const messages: ConversationFields['messages'] = [{ role: 'user', content: userText }];
    return this.#threadId === undefined ? { messages } : { messages, threadId: this.#threadId };
  }

  answered(headers: Headers): void {
    const threadId = headers.get(THREAD_ID_HEADER);
    if (threadId !== null && threadId !== '') this.#threadId = threadId;
  }

  commit(): void {
    // mcpd stored the exchange when the answer completed.
  }

  clear(): string {
    const previous = this.#threadId;
    this.#threadId = undefined;
    return previous === undefined ? '(new thread)' : `(new thread; the previous one was ${previous})`;
  }
}
