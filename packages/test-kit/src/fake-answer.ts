import type { FakeReasoning } from './fake-upstream-options.js';
import type { UpstreamBehavior } from './upstream-behavior.js';

/** A chat request reduced to what the fake needs, whichever dialect it arrived in. */
export interface ChatInput {
  model: string | undefined;
  /** Anthropic's top-level system prompt; the other dialects carry it as a message. */
  system: string | undefined;
  messages: readonly InputMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
}

export interface InputMessage {
  role: string;
  content: unknown;
}

export type FakeFinish = 'stop' | 'length';

export interface FakeAnswer {
  model: string;
  tokens: readonly string[];
  text: string;
  promptTokens: number;
  completionTokens: number;
  finish: FakeFinish;
  reasoning: FakeReasoning | undefined;
  logprobs: boolean;
  /** The stream's usage goes on its finish chunk (a server that knows no `stream_options`). */
  usageOnFinish: boolean;
}

/** The answer to one request: fixed tokens or the echoed conversation, cut at the request's token limit like a real server. */
export function composeAnswer(input: ChatInput, behavior: UpstreamBehavior): FakeAnswer {
  let tokens = behavior.echo ? splitIntoTokens(renderTranscript(input)) : behavior.tokens;
  const truncated = input.maxTokens !== undefined && tokens.length > input.maxTokens;
  if (truncated) tokens = tokens.slice(0, input.maxTokens);
  return {
    model: input.model ?? behavior.model,
    tokens,
    text: tokens === behavior.tokens ? behavior.text : tokens.join(''),
    promptTokens: countPromptTokens(input),
    completionTokens: tokens.length,
    finish: truncated ? 'length' : 'stop',
    reasoning: behavior.reasoning,
    logprobs: behavior.logprobs,
    usageOnFinish: behavior.refuseStreamOptions,
  };
}

/** Deterministic stand-in for a tokenizer: a quarter of the prompt's characters, at least one. */
export function countPromptTokens(input: ChatInput): number {
  let characters = input.system?.length ?? 0;
  for (const message of input.messages) characters += contentText(message.content).length;
  return Math.max(1, Math.ceil(characters / 4));
}

export function renderTranscript(input: ChatInput): string {
  const lines = input.system === undefined ? [] : [`system: ${input.system}`];
  for (const message of input.messages) lines.push(`${message.role}: ${contentText(message.content)}`);
  return lines.join('\n');
}

/** Word-sized pieces that keep their leading whitespace, so joining them gives the text back. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** The text of a message content: a string, or the text parts of a content array (both dialects use `{type:"text", text}`). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isRecord(part) && typeof part.text === 'string') text += part.text;
  }
  return text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
