import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The `data` of each frame of a streamed answer written the way real servers differ from one
 * another, so a relay that parses and serializes any of them changes its bytes: Python-style
 * spaces after colons, `\u` escapes, numbers as `2.50` and `1e3`, quoted `"usage":` inside
 * content, reasoning under both names, logprobs, vendor fields, usage details. Ends with the
 * finish chunk and the usage chunk, as a server asked for `include_usage` does.
 */
export const SCRIPTED_CHUNKS: readonly string[] = [
  '{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":"scripted/model:Q4","system_fingerprint":"fp_scripted","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}',
  '{"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1700000000, "model": "scripted/model:Q4", "choices": [{"index": 0, "delta": {"reasoning_content": "Two and two", "reasoning": "Two and two"}, "finish_reason": null}], "usage": null}',
  '{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":"scripted/model:Q4","choices":[{"index":0,"delta":{"content":"\\u00e9t\\u00e9 \\"usage\\": 4"},"logprobs":{"content":[{"token":"\\u00e9","logprob":-0.50,"bytes":[195,169],"top_logprobs":[]}]},"finish_reason":null}],"vendor_extra":{"weights":[1,2.50,1e3]},"usage":null}',
  '{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":"scripted/model:Q4","choices":[{"index":0,"delta":{"content":" four."},"logprobs":null,"finish_reason":null}],"usage":null}',
  '{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":"scripted/model:Q4","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop","stop_reason":null}],"usage":null}',
  '{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":"scripted/model:Q4","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13,"prompt_tokens_details":{"cached_tokens":0}}}',
];

/** The usage {@link SCRIPTED_CHUNKS} reports. */
export const SCRIPTED_USAGE = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } as const;

/** The SSE body of `chunks`, framed as OpenAI frames it: `data: …` and a blank line each, then `[DONE]`. */
export function sseBody(chunks: readonly string[]): string {
  return `${chunks.map((data) => `data: ${data}\n\n`).join('')}data: [DONE]\n\n`;
}

/** A running {@link startScriptedStreamUpstream}. */
export interface ScriptedStreamUpstream {
  /** Its OpenAI API root (`http://127.0.0.1:PORT/v1`). */
  openaiBaseUrl: string;
  /** Streamed answers whose HTTP body it ended, and those whose connection closed before it could. */
  readonly ended: number;
  readonly cutShort: number;
  /** With `holdEnd`: ends the HTTP body of every streamed answer written so far. */
  endHeld(): void;
  close(): Promise<void>;
}

export interface ScriptedStreamOptions {
  /** Write the whole stream, `[DONE]` included, at once, but end the HTTP body only on `endHeld()` (default: at once). */
  holdEnd?: boolean;
}

/**
 * An OpenAI-compatible server that answers every streamed chat completion with the same bytes,
 * `sseBody(chunks)`, whatever was asked, and lists one model; a whole answer it refuses (400),
 * since nothing here is about one. Real HTTP on port 0.
 */
export async function startScriptedStreamUpstream(
  chunks: readonly string[] = SCRIPTED_CHUNKS,
  options: ScriptedStreamOptions = {},
): Promise<ScriptedStreamUpstream> {
  const body = sseBody(chunks);
  let ended = 0;
  let cutShort = 0;
  const held = new Set<ServerResponse>();
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    request.resume();
    request.once('end', () => {
      if (request.method === 'GET' && path.endsWith('/models')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'scripted/model:Q4', object: 'model', created: 1700000000, owned_by: 'scripted' }] }));
      } else if (request.method === 'POST' && path.endsWith('/chat/completions')) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.once('close', () => {
          if (response.writableFinished) ended += 1;
          else cutShort += 1;
        });
        if (options.holdEnd) {
          response.write(body);
          held.add(response);
        } else {
          response.end(body);
        }
      } else {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"error":{"message":"not found"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    get ended() {
      return ended;
    },
    get cutShort() {
      return cutShort;
    },
    endHeld: () => {
      for (const response of held) if (!response.destroyed) response.end();
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
