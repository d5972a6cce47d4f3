import type { ChatCompletionRequest } from '@mcpctl/protocol';

/** One way to reach the model: the fake upstream directly, mcpd's public route, later a relay through a workstation. */
export interface BenchPath {
  /** Short name scenarios refer to and the report prints: `direct`, `mcpd`. */
  name: string;
  /** The chat completions endpoint, e.g. `http://127.0.0.1:PORT/v1/chat/completions`. */
  url: string;
  /** The model name this path answers to: the upstream's own, or the name registered in mcpd. */
  model: string;
  /** Sent with every request, e.g. the bearer token. */
  headers: Record<string, string>;
  /** Every server process a request on this path crosses, for CPU accounting. */
  pids: number[];
  /**
   * The gateway's own processes among `pids` (mcpd, mcplocal, the bare proxy), without the model
   * server: the CPU a streamed chunk costs on the way. Empty for the direct path.
   */
  gatewayPids: number[];
  /**
   * The JSON chunks (`data:` frames but `[DONE]`) of one streamed answer on this path, counted on
   * the answer the start-up check received; undefined until that check ran.
   */
  streamedChunks?: number | undefined;
}

/** The one request every scenario sends, differing only in model name and streaming. */
export function chatRequestBody(path: BenchPath, streaming: boolean): string {
  const body: ChatCompletionRequest = {
    model: path.model,
    messages: [{ role: 'user', content: 'Say something' }],
    stream: streaming,
  };
  return JSON.stringify(body);
}

/** Headers of a JSON POST on `path`; each client adds the content length itself. */
export function requestHeaders(path: BenchPath): Record<string, string> {
  return { ...path.headers, 'content-type': 'application/json' };
}
