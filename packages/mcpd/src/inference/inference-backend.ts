import type { Usage } from '@mcpctl/protocol';
import type { InferenceTarget } from '../catalog/llm-catalog.js';
import type { Principal } from '../rbac/principal.js';
import type { ChatCompletionRequest } from '@mcpctl/protocol';
import type { Caller } from './caller.js';

/** The `endpoint` of a call on the OpenAI face, `POST /v1/chat/completions`. */
export const OPEN_AI_ENDPOINT = 'chat.completions';

export interface InferenceCall {
  principal: Principal;
  /** The LLM name the caller asked for. */
  name: string;
  request: ChatCompletionRequest;
  /** Which API face was used, for the audit. */
  endpoint: string;
  caller: Caller;
  /** `x-mcpctl-wait-seconds`: how long to wait for an offline LLM to come back. */
  waitSeconds?: number | undefined;
  /** Keep the answer's text in `outcome.content` (a thread stores it). */
  collectContent?: boolean | undefined;
  /** The mcpd instances the request came through (`x-mcpctl-hop`), oldest first. */
  hops?: readonly string[] | undefined;
  /** The agent the caller chatted with, for the audit. */
  agentName?: string | undefined;
  /** The `x-request-id` the caller is answered with, for the audit. */
  requestId?: string | undefined;
  /** Told once the call's audit record is written, so its route does not write one for a refusal. */
  onRecorded?: (() => void) | undefined;
}

/** What one inference did, for the audit and the metrics; filled in as it goes. */
export interface InferenceOutcome {
  status: number;
  servedBy: string | null;
  usage: Usage | undefined;
  firstTokenAt: number | undefined;
  error: string | undefined;
  /** The answer's text, when the call asked to collect it. */
  content?: string | undefined;
  /** The answer's tool calls, when the call asked to collect its content and it called any. */
  toolCalls?: unknown[] | undefined;
}

/** Where an LLM's answers come from: its upstream (public) or its publisher (virtual). */
export interface InferenceBackend {
  /**
   * Answers the caller. Throws an HttpError when it fails before the first byte; a failure
   * after it ends the stream with an error frame and is noted in `outcome`.
   */
  serve(call: InferenceCall, target: InferenceTarget, outcome: InferenceOutcome): Promise<void>;
}
