import { isRecord, type FakeAnswer } from '../fake-answer.js';
import { encodeTokens, splitAtHole, TEMPLATE_HOLE } from '../json-template.js';
import { hasBearer, positiveInteger, readMessages, type Dialect, type ParsedChat, type StreamPlan } from './dialect.js';

/*
 * Ollama's native API. Its shapes live here rather than in @mcpctl/protocol: only this fake
 * speaks it (mcpd and mcplocal reach Ollama through its OpenAI-compatible `/v1`).
 */

interface OllamaChatLine {
  model: string;
  created_at: string;
  message: { role: 'assistant'; content: string };
  done: boolean;
  done_reason?: 'stop' | 'length';
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

interface OllamaTagList {
  models: Array<{
    name: string;
    model: string;
    modified_at: string;
    size: number;
    digest: string;
    details: { format: string; family: string; parameter_size: string; quantization_level: string };
  }>;
}

const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
const NANOSECONDS_PER_MILLISECOND = 1_000_000;

export const ollamaDialect: Dialect = {
  name: 'ollama',
  idPrefix: 'ollama-fake-',
  isAuthorized: hasBearer,
  errorBody: (_status, message) => JSON.stringify({ error: message }),

  parseChat(body): ParsedChat {
    if (!isRecord(body)) return { ok: false, problem: 'the request body must be a JSON object' };
    if (typeof body.model !== 'string') return { ok: false, problem: 'model is required' };
    const messages = readMessages(body.messages ?? [], true);
    if (typeof messages === 'string') return { ok: false, problem: messages };
    return {
      ok: true,
      input: {
        model: body.model,
        system: undefined,
        messages,
        // Ollama streams unless told not to.
        stream: body.stream !== false,
        includeUsage: false,
        maxTokens: isRecord(body.options) ? positiveInteger(body.options.num_predict) : undefined,
      },
    };
  },

  completion({ created, answer, tokenIntervalMs }) {
    return JSON.stringify(finalLine(answer, new Date(created * 1000).toISOString(), answer.text, tokenIntervalMs));
  },

  stream({ created, answer, tokenIntervalMs }): StreamPlan {
    const createdAt = new Date(created * 1000).toISOString();
    const line: OllamaChatLine = {
      model: answer.model,
      created_at: createdAt,
      message: { role: 'assistant', content: TEMPLATE_HOLE },
      done: false,
    };
    const [before, after] = splitAtHole(`${JSON.stringify(line)}\n`);
    return {
      contentType: NDJSON_CONTENT_TYPE,
      head: '',
      frames: encodeTokens(answer.tokens).map((token) => before + token + after),
      tail: `${JSON.stringify(finalLine(answer, createdAt, '', tokenIntervalMs))}\n`,
    };
  },

  garbageStream: { contentType: NDJSON_CONTENT_TYPE, body: '{"model": "broken", "message": {\nthis is not json\n' },
};

/** `GET /api/tags`: the one model the fake serves. */
export function ollamaTagList(model: string, created: number): string {
  const body: OllamaTagList = {
    models: [
      {
        name: model,
        model,
        modified_at: new Date(created * 1000).toISOString(),
        size: 0,
        digest: '0'.repeat(64),
        details: { format: 'gguf', family: 'fake', parameter_size: '0B', quantization_level: 'none' },
      },
    ],
  };
  return JSON.stringify(body);
}

/** The closing line; durations follow the planned pacing so clients computing tokens/s get a consistent figure. */
function finalLine(answer: FakeAnswer, createdAt: string, content: string, tokenIntervalMs: number): OllamaChatLine {
  const evalDuration = Math.round(answer.completionTokens * tokenIntervalMs * NANOSECONDS_PER_MILLISECOND);
  return {
    model: answer.model,
    created_at: createdAt,
    message: { role: 'assistant', content },
    done: true,
    done_reason: answer.finish,
    total_duration: evalDuration,
    load_duration: 0,
    prompt_eval_count: answer.promptTokens,
    prompt_eval_duration: 0,
    eval_count: answer.completionTokens,
    eval_duration: evalDuration,
  };
}
