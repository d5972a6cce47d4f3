import type { ApiClient } from '../api-client.js';
import type { TerminalStream } from '../context.js';
import { Conversation } from './conversation.js';
import { runTurn, type ChatParameters } from './chat-turn.js';

export interface ChatSessionOptions {
  client: ApiClient;
  llmName: string;
  system?: string;
  parameters: ChatParameters;
  stream: boolean;
  stdout: TerminalStream;
  stderr: TerminalStream;
  now: () => number;
}

/** A conversation with one LLM: sends turns one at a time and lets Ctrl-C abort the running one. */
export class ChatSession {
  readonly conversation: Conversation;
  readonly #options: ChatSessionOptions;
  #running: AbortController | undefined;

  constructor(options: ChatSessionOptions) {
    this.#options = options;
    this.conversation = new Conversation(options.system);
  }

  /**
   * Sends `text` with the history, prints the answer, and on success adds the exchange to
   * the history. Rejects with the request's error, or an AbortError after `interrupt()`.
   */
  async send(text: string): Promise<void> {
    const controller = new AbortController();
    this.#running = controller;
    try {
      const result = await runTurn({
        ...this.#options,
        messages: this.conversation.request(text),
        signal: controller.signal,
      });
      this.conversation.commit(text, result.content);
      if (this.#options.stderr.isTTY === true) this.#options.stderr.write(`${result.summary}\n`);
    } finally {
      this.#running = undefined;
    }
  }

  /** Aborts the running turn; mcpd sees the connection close and cancels upstream. False when idle. */
  interrupt(): boolean {
    if (this.#running === undefined) return false;
    this.#running.abort();
    return true;
  }
}
