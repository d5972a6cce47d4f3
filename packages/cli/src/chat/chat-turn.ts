import { chatCompletionSchema, type ChatCompletionChunk } from '@mcpctl/protocol';
import { readJson, SERVED_BY_HEADER, type ApiClient } from '../api-client.js';
import type { TerminalStream } from '../context.js';
import { RequestError } from '../errors.js';
import { AnswerWriter } from './answer-writer.js';
import type { ConversationFields } from './chat-history.js';
import type { ChatTarget } from './chat-target.js';
import { reasoningText } from './reasoning-text.js';
import { createStatusLine, type StatusLine } from './status-line.js';
import { formatLiveStatus, formatSummary, formatWholeAnswerSummary, StreamStats } from './stream-stats.js';

/** Request parameters the user may set. */
export interface ChatParameters {
  temperature?: number;
  max_tokens?: number;
}

export interface TurnOptions {
  client: ApiClient;
  target: ChatTarget;
  conversation: ConversationFields;
  /** Called with the answer's headers as soon as they arrive. */
  onHeaders?: (headers: Headers) => void;
  parameters: ChatParameters;
  stream: boolean;
  signal: AbortSignal;
  stdout: TerminalStream;
  stderr: TerminalStream;
  now: () => number;
}

export interface TurnResult {
  /** The assistant's answer, kept in the history. */
  content: string;
  /** One line about speed and size, for the terminal. */
  summary: string;
}

const STATUS_REFRESH_MS = 100;

/** Sends one chat request to the target's route and prints the answer as it arrives. */
export async function runTurn(options: TurnOptions): Promise<TurnResult> {
  const statusLine = createStatusLine(options.stdout, options.stderr);
  const writer = new AnswerWriter(options.stdout);
  statusLine.start();
  try {
    return options.stream ? await streamTurn(options, statusLine, writer) : await wholeTurn(options, statusLine, writer);
  } finally {
    writer.end();
    statusLine.stop();
  }
}

async function streamTurn(options: TurnOptions, statusLine: StatusLine, writer: AnswerWriter): Promise<TurnResult> {
  const { now } = options;
  const stats = new StreamStats(now());
  let waking: string | undefined;
  let wakingNoticed = false;
  const refresh = (): void => statusLine.update(formatLiveStatus(stats.snapshot(now()), stats.started ? undefined : waking));
  refresh();
  const ticker = setInterval(refresh, STATUS_REFRESH_MS);
  try {
    const body = {
      ...options.conversation,
      ...options.parameters,
      stream: true,
      stream_options: { include_usage: true },
    };
    const { servedBy, headers, parts } = await options.client.stream(options.target.path, body, options.signal);
    options.onHeaders?.(headers);
    let content = '';
    let done = false;
    for await (const part of parts) {
      if (part.type === 'comment') {
        if (!part.text.startsWith('waking')) continue;
        waking = part.text.replace(/\s+\d+s$/, '');
        if (!statusLine.visible && !wakingNoticed) {
          options.stderr.write(`${waking}: the model is starting, waiting…\n`);
          wakingNoticed = true;
        }
      } else if (part.type === 'chunk') {
        content += renderChunk(part.chunk, stats, writer, now());
      } else if (part.type === 'error') {
        throw new RequestError(part.message);
      } else {
        done = true;
      }
    }
    if (!done) throw new RequestError('the answer stream from mcpd ended before it was complete');
    stats.finish(now());
    return { content, summary: formatSummary(stats.snapshot(now()), otherMember(servedBy, options.target.llmName)) };
  } finally {
    clearInterval(ticker);
  }
}

/** Prints and counts one chunk's deltas; returns its content text. */
function renderChunk(chunk: ChatCompletionChunk, stats: StreamStats, writer: AnswerWriter, at: number): string {
  if (chunk.usage) stats.recordUsage(chunk.usage);
  const delta = chunk.choices.find((choice) => choice.index === 0)?.delta;
  const reasoning = reasoningText(delta);
  if (reasoning !== '') {
    stats.recordReasoning(at);
    writer.reasoning(reasoning);
  }
  const text = delta?.content ?? '';
  if (text !== '') {
    stats.recordContent(at);
    writer.content(text);
  }
  return text;
}

async function wholeTurn(options: TurnOptions, statusLine: StatusLine, writer: AnswerWriter): Promise<TurnResult> {
  const startedAt = options.now();
  const refresh = (): void => statusLine.update(formatLiveStatus(new StreamStats(startedAt).snapshot(options.now())));
  refresh();
  const ticker = setInterval(refresh, STATUS_REFRESH_MS);
  try {
    const { path } = options.target;
    const body = { ...options.conversation, ...options.parameters, stream: false };
    const response = await options.client.request('POST', path, { body, signal: options.signal, waitsForModel: true });
    options.onHeaders?.(response.headers);
    const completion = await readJson(response, chatCompletionSchema, `POST ${path}`);
    const message = completion.choices.find((choice) => choice.index === 0)?.message;
    writer.reasoning(reasoningText(message));
    const content = message?.content ?? '';
    writer.content(content);
    const servedBy = otherMember(response.headers.get(SERVED_BY_HEADER) ?? undefined, options.target.llmName);
    return { content, summary: formatWholeAnswerSummary(options.now() - startedAt, completion.usage, servedBy) };
  } finally {
    clearInterval(ticker);
  }
}

/** Worth mentioning only when a pool member other than the named LLM answered. */
function otherMember(servedBy: string | undefined, llmName: string): string | undefined {
  return servedBy === undefined || servedBy === llmName ? undefined : servedBy;
}
