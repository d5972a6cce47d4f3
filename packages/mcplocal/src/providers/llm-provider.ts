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
  /**
   * The caller asked for the usage chunk itself (`stream_options.include_usage`): a server that
   * refused the field before is asked anyway, and its refusal is the caller's.
   */
  usageAsked?: boolean | undefined;
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

/** The two names servers give reasoning models' thinking. */
export type ReasoningField = 'reasoning_content' | 'reasoning';

/**
 * Fields of an OpenAI-shaped answer that this interface does not name (`logprobs`,
 * `system_fingerprint`, vendor extensions), kept so a relay hands them on as the server sent them.
 */
export interface AnswerExtras {
  /** Beside `id`, `choices`, `usage` at the top of a completion or chunk. */
  answer?: Record<string, unknown> | undefined;
  /** Beside `message` or `delta` in the choice: `logprobs`, vLLM's `stop_reason`. */
  choice?: Record<string, unknown> | undefined;
  /** Inside `message` or `delta`. */
  message?: Record<string, unknown> | undefined;
  /** Inside `usage`: `prompt_tokens_details`, … */
  usage?: Record<string, unknown> | undefined;
}

export interface CompletionResult {
  content: string;
  /** Reasoning models' thinking, when the server returned it. */
  reasoning?: string | undefined;
  /** The field the server put `reasoning` in; `reasoning_content` when unset. */
  reasoningField?: ReasoningField | undefined;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  finishReason: string;
  extras?: AnswerExtras | undefined;
}

/** What a provider's stream yields, as the local server produces it. */
export type StreamDelta = (
  | { type: 'text'; text: string }
  /** `field` keeps the name the server used (`reasoning_content` or `reasoning`) so relays pass it on untouched. */
  | { type: 'reasoning'; text: string; field: ReasoningField }
  | { type: 'tool-call'; index: number; id?: string | undefined; name?: string | undefined; arguments?: string | undefined }
  | { type: 'finish'; reason: string }
  | { type: 'usage'; usage: TokenUsage }
) & {
  /** What the server's chunk carried besides the delta; on the first delta a chunk gives. */
  extras?: AnswerExtras | undefined;
};

/**
 * Takes one chunk of a relayed stream. A promise holds the stream until it settles (the next
 * chunk waits for it), and it settles once the call's signal aborts, as the provider channel's
 * posts do; any other answer means the chunk was taken at once.
 */
export type ChunkSink = (text: string) => unknown;

/** How a relayed stream ended: `finished` when the server gave its finish reason, false when its `[DONE]` came without one. */
export interface RelayedStreamEnd {
  finished: boolean;
}

/** One local model server behind a uniform interface. */
export interface LlmProvider {
  readonly name: string;
  complete(options: CompletionOptions): Promise<CompletionResult>;
  /**
   * The server's own `chat.completion`, every field it sent kept (its `id`, `model`, …), for a
   * relay that hands it on as `relayChunks` hands on a stream. Only a provider whose server
   * speaks the OpenAI dialect has it. Fails as `complete` does.
   */
  completionBody?(options: CompletionOptions): Promise<Record<string, unknown>>;
  /**
   * Deltas as the server produces them. Optional for embedders: without it a streaming caller
   * gets the whole answer from `complete` as one content chunk, then the finish chunk.
   */
  stream?(options: CompletionOptions): AsyncIterable<StreamDelta>;
  /**
   * The server's own `chat.completion.chunk` texts, as it wrote them, each handed to `sink` in
   * order (the next once the sink's promise settled), for a relay that hands them on untouched:
   * fields this interface does not name stay as they were, byte for byte. Resolves once the last
   * chunk was taken. Only a provider whose server speaks the OpenAI dialect has it. Fails as
   * `stream` does (an error frame, a frame that is not a chunk, a stream that ends before its
   * finish reason), and with the sink's own failure when the sink rejects.
   */
  relayChunks?(options: CompletionOptions, sink: ChunkSink): Promise<RelayedStreamEnd>;
  /** Model ids the server offers. */
  listModels(options?: { signal?: AbortSignal }): Promise<string[]>;
  /**
   * True when the server would serve the model now without a wake: it answers, and does not say
   * it sleeps (vLLM's `/is_sleeping`) or has the model unloaded (Ollama's `/api/ps`). Never throws.
   */
  isAvailable(options?: { signal?: AbortSignal }): Promise<boolean>;
}
