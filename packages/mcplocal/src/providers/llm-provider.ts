import type { ChatMessage, ChatTool } from '@mcpctl/protocol';

/** A request to a local model server, in the OpenAI vocabulary every provider maps from. */
export interface CompletionOptions {
  messages: ChatMessage[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  topP?: number | undefined;
  stop?: string[] | undefined;
  tools?: ChatTool[] | undefined;
  toolChoice?: unknown;
  /** Fields of the caller's request this interface does not name, passed on where the dialect allows. */
  extra?: Record<string, unknown> | undefined;
  /** Aborting it cancels the call to the local server. */
  signal?: AbortSignal | undefined;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as OpenAI carries it. */
  arguments: string;
}

export interface CompletionResult {
  content: string;
  /** Reasoning models' thinking, when the server returned it. */
  reasoning?: string | undefined;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  finishReason: string;
}

/** What a provider's stream yields, as the local server produces it. */
export type StreamDelta =
  | { type: 'text'; text: string }
  /** `field` keeps the name the server used (`reasoning_content` or `reasoning`) so relays pass it on untouched. */
  | { type: 'reasoning'; text: string; field: 'reasoning_content' | 'reasoning' }
  | { type: 'tool-call'; index: number; id?: string | undefined; name?: string | undefined; arguments?: string | undefined }
  | { type: 'finish'; reason: string }
  | { type: 'usage'; usage: TokenUsage };

/** One local model server behind a uniform interface. */
export interface LlmProvider {
  readonly name: string;
  complete(options: CompletionOptions): Promise<CompletionResult>;
  /**
   * Deltas as the server produces them. Optional for embedders: without it a streaming caller
   * gets the whole answer from `complete` as one content chunk, then the finish chunk.
   */
  stream?(options: CompletionOptions): AsyncIterable<StreamDelta>;
  /** Model ids the server offers. */
  listModels(options?: { signal?: AbortSignal }): Promise<string[]>;
  /**
   * True when the server would serve the model now without a wake: it answers, and does not say
   * it sleeps (vLLM's `/is_sleeping`) or has the model unloaded (Ollama's `/api/ps`). Never throws.
   */
  isAvailable(options?: { signal?: AbortSignal }): Promise<boolean>;
}
