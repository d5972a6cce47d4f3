import type { ApiClient } from '../api-client.js';
import type { TerminalStream } from '../context.js';
import type { ChatHistory } from './chat-history.js';
import type { ChatTarget } from './chat-target.js';
import { runTurn, type ChatParameters } from './chat-turn.js';

export interface ChatSessionOptions {
  client: ApiClient;
  target: ChatTarget;
  /** Where the history is kept: a `Conversation` in the CLI, or a `ThreadHistory` on mcpd. */
  history: ChatHistory;
  parameters: ChatParameters;
  stream: boolean;
  stdout: TerminalStream;
  stderr: TerminalStream;
  now: () => number;
}

/** A chat with an LLM or an agent: sends turns one at a time and lets Ctrl-C abort the running one. */
export class ChatSession {
  readonly history: ChatHistory;
  readonly #options: ChatSessionOptions;
  #running: AbortController | undefined;

  constructor(options: ChatSessionOptions) {
    this.#options = options;
    this.history = options.history;
  }

  /**
   * Sends `text` (with the history, in whichever form it is kept), prints the answer, and
   * on success records the exchange. Rejects with the request's error, or an AbortError
   * after `interrupt()`.
   */
  async send(text: string): Promise<void> {
    const controller = new AbortController();
    this.#running = controller;
    try {
      const result = await runTurn({
        ...this.#options,
        conversation: this.history.request(text),
        onHeaders: (headers) => this.history.answered(headers),
        signal: controller.signal,
      });
      this.history.commit(text, result.content);
      if (this.#options.stderr.isTTY === true) this.#options.stderr.write(`${result.summary}\n`);
    } finally {
      this.#running = undefined;
    }
  }

  /** Forgets the history; returns the notice for the user. */
  clear(): string {
    return this.history.clear();
  }

  /** Aborts the running turn; mcpd sees the connection close and cancels upstream. False when idle. */
  interrupt(): boolean {
    if (this.#running === undefined) return false;
    this.#running.abort();
    return true;
  }
}
