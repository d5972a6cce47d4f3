import type { ChatMessage } from '@mcpctl/protocol';

/**
 * The history of one chat session: the system message (when given) first, then the
 * exchanges that completed. A turn that failed or was interrupted leaves no trace.
 */
export class Conversation {
  readonly #system: ChatMessage | undefined;
  #exchanges: ChatMessage[] = [];

  constructor(system?: string) {
    this.#system = system === undefined ? undefined : { role: 'system', content: system };
  }

  /** The messages to send for a new user message: the history followed by it. */
  request(userText: string): ChatMessage[] {
    return [...this.messages, { role: 'user', content: userText }];
  }

  commit(userText: string, answer: string): void {
    this.#exchanges.push({ role: 'user', content: userText }, { role: 'assistant', content: answer });
  }

  clear(): void {
    this.#exchanges = [];
  }

  get messages(): ChatMessage[] {
    return this.#system === undefined ? [...this.#exchanges] : [this.#system, ...this.#exchanges];
  }
}
