import type { ChatMessage } from '@mcpctl/protocol';

/** The fields of a chat request that carry the conversation. */
export interface ConversationFields {
  messages: ChatMessage[];
  /** The stored thread an agent chat continues; mcpd prepends its history. */
  threadId?: string;
}

/**
 * Where a chat session keeps what was said: in the CLI for `chat-llm` (the whole history
 * is sent every turn), or in a thread on mcpd for `chat AGENT` (only the new message is).
 */
export interface ChatHistory {
  /** What to send for a new user message. */
  request(userText: string): ConversationFields;
  /** The answer's headers, as soon as they arrive: the thread is known before the answer ends. */
  answered(headers: Headers): void;
  /** Records an exchange whose answer completed. */
  commit(userText: string, answer: string): void;
  /** Forgets the history; returns the notice for the user. */
  clear(): string;
}
