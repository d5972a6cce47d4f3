import type { AnthropicResponse, AnthropicStreamEvent } from '@mcpctl/protocol';
import { contentText, isRecord, type FakeFinish } from '../fake-answer.js';
import { encodeTokens, splitAtHole, TEMPLATE_HOLE } from '../json-template.js';
import {
  positiveInteger,
  readMessages,
  SSE_CONTENT_TYPE,
  type Dialect,
  type ParsedChat,
  type StreamPlan,
} from './dialect.js';

type AnthropicError = Extract<AnthropicStreamEvent, { type: 'error' }>;

/** Anthropic Messages API, with the event sequence the real API streams. */
export const anthropicDialect: Dialect = {
  name: 'anthropic',
  idPrefix: 'msg_fake_',
  isAuthorized: (headers, apiKey) => headers['x-api-key'] === apiKey,

  errorBody(status, message) {
    const body: AnthropicError = { type: 'error', error: { type: anthropicErrorType(status), message } };
    return JSON.stringify(body);
  },

  parseChat(body): ParsedChat {
    if (!isRecord(body)) return { ok: false, problem: 'the request body must be a JSON object' };
    if (typeof body.model !== 'string') return { ok: false, problem: 'model: Field required' };
    const maxTokens = positiveInteger(body.max_tokens);
    if (maxTokens === undefined) return { ok: false, problem: 'max_tokens: Field required (a positive integer)' };
    const messages = readMessages(body.messages, false);
    if (typeof messages === 'string') return { ok: false, problem: messages };
    if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
      return { ok: false, problem: 'system: must be a string or a list of text blocks' };
    }
    return {
      ok: true,
      input: {
        model: body.model,
        system: body.system === undefined ? undefined : contentText(body.system),
        messages,
        stream: body.stream === true,
        includeUsage: false,
        maxTokens,
      },
    };
  },

  completion({ id, answer }) {
    const body: AnthropicResponse = {
      id,
      type: 'message',
      role: 'assistant',
      model: answer.model,
      content: [{ type: 'text', text: answer.text }],
      stop_reason: stopReason(answer.finish),
      stop_sequence: null,
      usage: { input_tokens: answer.promptTokens, output_tokens: answer.completionTokens },
    };
    return JSON.stringify(body);
  },

  stream({ id, answer }): StreamPlan {
    const head =
      event({
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: answer.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: answer.promptTokens, output_tokens: 1 },
        },
      }) +
      event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      event({ type: 'ping' });
    const tail =
      event({ type: 'content_block_stop', index: 0 }) +
      event({
        type: 'message_delta',
        delta: { stop_reason: stopReason(answer.finish), stop_sequence: null },
        usage: { output_tokens: answer.completionTokens },
      }) +
      event({ type: 'message_stop' });
    return { contentType: SSE_CONTENT_TYPE, head, frames: tokenFrames(answer.tokens), tail };
  },

  garbageStream: { contentType: SSE_CONTENT_TYPE, body: 'event: content_block_delta\ndata: {"type": "content_block_delta", \n\n' },
};

const [deltaBefore, deltaAfter] = splitAtHole(
  event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: TEMPLATE_HOLE } }),
);

/** The delta frames hold nothing per request, so the fixed answer's frames are built once. */
const framesOf = new WeakMap<readonly string[], readonly string[]>();

function tokenFrames(tokens: readonly string[]): readonly string[] {
  let frames = framesOf.get(tokens);
  if (!frames) {
    frames = encodeTokens(tokens).map((token) => deltaBefore + token + deltaAfter);
    framesOf.set(tokens, frames);
  }
  return frames;
}

function event(value: AnthropicStreamEvent): string {
  return `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`;
}

function stopReason(finish: FakeFinish): string {
  return finish === 'length' ? 'max_tokens' : 'end_turn';
}

function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}
