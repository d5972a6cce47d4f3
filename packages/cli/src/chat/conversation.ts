import type { ChatMessage } from '@mcpctl/protocol';
import type { ChatHistory, ConversationFields } from './chat-history.js';

/**
 * The history of one `chat-llm` session, kept in the CLI: the system message (when given)
 * first, then the exchanges that completed. A turn that failed or was interrupted leaves
 * no trace.
 */
export class Conversation implements ChatHistory {
  readonly #system: ChatMessage | undefined;
  #exchanges: ChatMessage[] = [];

  constructor(system?: string) {
    this.#system = system === undefined ? undefined : { role: 'system', content: system };
  }

  /** The history followed by the new message. */
  request(userText: string): ConversationFields {
    return { messages: [...this.messages, { role: 'user', content: userText }] };
  }

  answered(): void {
    // The history lives here; the answer's headers add nothing to it.
  }

  commit(userText: string, answer: string): void {
    this.#exchanges.push({ role: 'user', content: userText }, { role: 'assistant', content: answer });
  }

  clear(): string {
    this.#exchanges = [];
    return '(history cleared)';
  }

  get messages(): ChatMessage[] {
    return this.#system === undefined ? [...this.#exchanges] : [this.#system, ...this.#exchanges];
  }
}
