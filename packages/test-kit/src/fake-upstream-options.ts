/**
 * How the fake upstream misbehaves on chat requests:
 * - `garbage`: 200 with a body that is not JSON (or an SSE/NDJSON stream of non-JSON frames, unless `ignoreStream`);
 * - `hang`: read the request and never answer;
 * - `close`: destroy the socket without answering;
 * - `cut-mid-stream`: send about half of the answer, then destroy the socket.
 */
export type FakeUpstreamMode = 'normal' | 'garbage' | 'hang' | 'close' | 'cut-mid-stream';

/** An error answer, written in the requested dialect's error shape. */
export interface FakeUpstreamFailure {
  status: number;
  message: string;
  /** Sent as the answer's `Retry-After`. */
  retryAfter?: string;
  /** Sent as the answer's `retry-after-ms`, as OpenAI and Azure send it. */
  retryAfterMs?: string;
}

/** Everything the fake upstream does; every field can be changed at runtime with `setBehavior`. */
export interface FakeUpstreamOptions {
  /** Model name listed by `/v1/models` and `/api/tags`, and answered when a request names none. Default `fake-model`. */
  model?: string;
  /** The answer, one entry per token. Wins over `tokenCount`. */
  tokens?: string[];
  /** Length of a generated answer of short words, used when `tokens` is absent. Default 8. */
  tokenCount?: number;
  /** Answer with the received conversation rendered as `role: content` lines, so a test sees what reached the upstream. */
  echo?: boolean;
  /** Delay before the response headers of a chat answer. */
  latencyMs?: number;
  /** Generation speed: each token takes `1 / tokensPerSecond` seconds. Unset: the whole answer is written at once. */
  tokensPerSecond?: number;
  /** When set, model routes demand `Authorization: Bearer KEY` (OpenAI, Ollama) or `x-api-key: KEY` (Anthropic). */
  apiKey?: string;
  /** Answer chat requests with this error instead. */
  fail?: FakeUpstreamFailure;
  /** Only the next N chat requests get `fail` or `mode`; the counter re-arms whenever `fail`, `mode` or `failCount` is set. */
  failCount?: number;
  mode?: FakeUpstreamMode;
  /** Model routes and `/health` answer 503 until `POST /wake_up` (or `/wake`). */
  asleep?: boolean;
  /** How long a wake call takes before the model routes answer again. Default 0. */
  wakeDelayMs?: number;
  /** Keep every request in `requests`. Default true; a long benchmark run turns it off to keep memory flat. */
  recordRequests?: boolean;
  /**
   * OpenAI dialect: think before answering, as reasoning models do, under each named message
   * field (vLLM and OpenRouter say `reasoning`, DeepSeek and older vLLM `reasoning_content`).
   */
  reasoning?: FakeReasoning;
  /** OpenAI dialect: answer `logprobs` on each choice (one entry per token) instead of `null`. */
  logprobs?: boolean;
  /**
   * OpenAI dialect: validate strictly, as Mistral's API does: a request carrying `stream_options`
   * gets its 422 (`extra_forbidden` at `body.stream_options`), and a stream's usage rides on its
   * finish chunk instead.
   */
  refuseStreamOptions?: boolean;
  /**
   * Answer a streaming request as if it had not asked for a stream: 200 with the whole answer as
   * `application/json`, as some OpenAI-compatible servers that ignore `stream` do. With `garbage`,
   * a stream gets the garbage whole answer (JSON content type, a body that is not JSON).
   */
  ignoreStream?: boolean;
}

export interface FakeReasoning {
  text: string;
  fields: ReadonlyArray<'reasoning' | 'reasoning_content'>;
}

export interface FakeUpstreamListenOptions extends FakeUpstreamOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}
