import type { ChatCompletion, ChatCompletionChunk, ModelList, OpenAiError, Usage } from '@mcpctl/protocol';
import { isRecord, type FakeAnswer } from '../fake-answer.js';
import { encodeTokens, splitAtHole, TEMPLATE_HOLE } from '../json-template.js';
import {
  hasBearer,
  positiveInteger,
  readMessages,
  SSE_CONTENT_TYPE,
  type Dialect,
  type ParsedChat,
  type StreamPlan,
} from './dialect.js';

/** OpenAI chat completions, as served by OpenAI, vLLM, llama.cpp and Ollama's `/v1`. */
export const openAiDialect: Dialect = {
  name: 'openai',
  idPrefix: 'chatcmpl-fake-',
  isAuthorized: hasBearer,

  errorBody(status, message) {
    const body: OpenAiError = {
      error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: status === 401 ? 'invalid_api_key' : null },
    };
    return JSON.stringify(body);
  },

  parseChat(body): ParsedChat {
    if (!isRecord(body)) return { ok: false, problem: 'the request body must be a JSON object' };
    const messages = readMessages(body.messages, false);
    if (typeof messages === 'string') return { ok: false, problem: messages };
    const streamOptions = body.stream_options;
    return {
      ok: true,
      input: {
        model: typeof body.model === 'string' ? body.model : undefined,
        system: undefined,
        messages,
        stream: body.stream === true,
        includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
        maxTokens: positiveInteger(body.max_completion_tokens) ?? positiveInteger(body.max_tokens),
      },
    };
  },

  completion({ id, created, answer }) {
    const body: ChatCompletion = {
      id,
      object: 'chat.completion',
      created,
      model: answer.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: answer.text, ...reasoningOf(answer) }, logprobs: logprobsOf(answer, answer.tokens), finish_reason: answer.finish },
      ],
      usage: usageOf(answer),
    };
    return JSON.stringify(body);
  },

  stream({ id, created, answer, input }): StreamPlan {
    const base = { id, object: 'chat.completion.chunk' as const, created, model: answer.model };
    // Like OpenAI, every chunk carries `usage: null` when the final usage chunk was asked for.
    const usage = input.includeUsage ? { usage: null } : {};
    const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: string | null, tokens: readonly string[] = []): string => {
      const value: ChatCompletionChunk = { ...base, choices: [{ index: 0, delta, logprobs: logprobsOf(answer, tokens), finish_reason: finish }], ...usage };
      return `data: ${JSON.stringify(value)}\n\n`;
    };
    let frames: readonly string[];
    if (answer.logprobs) {
      frames = answer.tokens.map((token) => chunk({ content: token }, null, [token]));
    } else {
      const [before, after] = splitAtHole(chunk({ content: TEMPLATE_HOLE }, null));
      frames = encodeTokens(answer.tokens).map((token) => before + token + after);
    }
    // The thinking comes whole in the first frame after the role.
    if (answer.reasoning) frames = [chunk(reasoningOf(answer), null), ...frames];
    // A server without `stream_options` (Mistral's) sends the usage on the finish chunk.
    let tail = answer.usageOnFinish
      ? `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: answer.finish }], usage: usageOf(answer) })}\n\n`
      : chunk({}, answer.finish);
    if (input.includeUsage) {
      const usageChunk: ChatCompletionChunk = { ...base, choices: [], usage: usageOf(answer) };
      tail += `data: ${JSON.stringify(usageChunk)}\n\n`;
    }
    tail += 'data: [DONE]\n\n';
    return { contentType: SSE_CONTENT_TYPE, head: chunk({ role: 'assistant', content: '' }, null), frames, tail };
  },

  garbageStream: { contentType: SSE_CONTENT_TYPE, body: 'data: {"id": "chatcmpl-broken", "choices": [\n\ndata: this is not json\n\n' },
};

/** `GET /v1/models`: the one model the fake serves. */
export function openAiModelList(model: string, created: number): string {
  const body: ModelList = { object: 'list', data: [{ id: model, object: 'model', created, owned_by: 'fake-upstream' }] };
  return JSON.stringify(body);
}

function reasoningOf(answer: FakeAnswer): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const field of answer.reasoning?.fields ?? []) fields[field] = answer.reasoning!.text;
  return fields;
}

/** OpenAI's `logprobs.content`: one entry per token, with a made-up but stable probability. */
function logprobsOf(answer: FakeAnswer, tokens: readonly string[]): { content: unknown[] } | null {
  if (!answer.logprobs) return null;
  return { content: tokens.map((token) => ({ token, logprob: -0.25, bytes: [...Buffer.from(token)], top_logprobs: [] })) };
}

function usageOf(answer: FakeAnswer): Usage {
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens,
    total_tokens: answer.promptTokens + answer.completionTokens,
  };
}
