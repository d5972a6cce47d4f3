import type { IncomingHttpHeaders } from 'node:http';
import type { ChatInput, FakeAnswer } from '../fake-answer.js';

export type DialectName = 'openai' | 'anthropic' | 'ollama';

export type ParsedChat = { ok: true; input: ChatInput } | { ok: false; problem: string };

/** What one answer needs besides the answer itself. */
export interface ReplyContext {
  id: string;
  /** Unix seconds. */
  created: number;
  answer: FakeAnswer;
  input: ChatInput;
  /** Planned generation time of one token, for dialects that report durations. */
  tokenIntervalMs: number;
}

/** A streamed answer as frames: written at once when unpaced, one frame per token interval otherwise. */
export interface StreamPlan {
  contentType: string;
  head: string;
  frames: readonly string[];
  tail: string;
}

/** One wire dialect of the fake: how it authenticates, parses, answers and fails. */
export interface Dialect {
  readonly name: DialectName;
  readonly idPrefix: string;
  isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  errorBody(status: number, message: string): string;
  parseChat(body: unknown): ParsedChat;
  completion(context: ReplyContext): string;
  stream(context: ReplyContext): StreamPlan;
  /** A 200 stream whose frames are not JSON. */
  readonly garbageStream: { contentType: string; body: string };
}

export function hasBearer(headers: IncomingHttpHeaders, apiKey: string): boolean {
  return headers.authorization === `Bearer ${apiKey}`;
}

export function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** The `messages` array of a request body, or the problem a real server would answer 400 with. */
export function readMessages(value: unknown, allowEmpty: boolean): ChatInput['messages'] | string {
  if (!Array.isArray(value)) return "'messages' must be an array";
  if (!allowEmpty && value.length === 0) return "'messages' must hold at least one message";
  for (const [index, message] of value.entries()) {
    if (typeof message !== 'object' || message === null || typeof (message as { role?: unknown }).role !== 'string') {
      return `'messages[${index}]' must be an object with a string 'role'`;
    }
  }
  return value as ChatInput['messages'];
}
