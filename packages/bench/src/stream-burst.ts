import { Agent, request } from 'node:http';
import type { ChatCompletionRequest } from '@mcpctl/protocol';
import { requestHeaders, type BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';
import { chunkContent } from './first-content-detector.js';
import { SseDataReader } from './sse-data-reader.js';

/** What one stream of a burst delivered, timed on this process's `performance.now()`. */
export interface StreamRecord {
  /** The words this stream's prompt carried, which the echoing upstream streams back one per token. */
  words: readonly string[];
  /** HTTP status; 0 when the request failed before an answer. */
  status: number;
  sentAtMs: number;
  /** Each text-carrying chunk's content, in arrival order. */
  tokens: string[];
  /** When each of `tokens` arrived. */
  arrivalsMs: number[];
  /** JSON chunks received (`data:` frames but `[DONE]`), text-carrying or not. */
  chunks: number;
  endedAtMs: number;
  /** Why the stream did not end normally, if it did not. */
  error: string | undefined;
}

export interface BurstSettings {
  streams: number;
  wordsPerStream: number;
  /** A stream still open after this long is cut and counted as failed. */
  timeoutMs: number;
}

/** Words unique to one stream and position, so a token in the wrong stream or place cannot pass for the right one. */
export function streamWords(stream: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `s${stream}w${index}`);
}

/**
 * Opens `settings.streams` streaming requests on `path` at once, each on its own connection,
 * each asking the echoing paced upstream for its own words, and records every token's arrival.
 */
export async function runStreamBurst(path: BenchPath, settings: BurstSettings, signal: AbortSignal): Promise<StreamRecord[]> {
  if (signal.aborted) throw new BenchError('the run was interrupted');
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const url = new URL(path.url);
  const headers = requestHeaders(path);
  // One listener for the whole burst, not one per stream: it cuts every stream still open.
  const open = new Set<() => void>();
  const onAbort = () => {
    for (const cut of [...open]) cut();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      Array.from({ length: settings.streams }, (_, stream) =>
        oneStream(url, path, headers, agent, streamWords(stream, settings.wordsPerStream), settings.timeoutMs, open),
      ),
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    agent.destroy();
  }
}

function oneStream(
  url: URL,
  path: BenchPath,
  headers: Record<string, string>,
  agent: Agent,
  words: string[],
  timeoutMs: number,
  /** The cuts of the streams still open, for an interrupted run; this stream adds its own while it is open. */
  open: Set<() => void>,
): Promise<StreamRecord> {
  const chat: ChatCompletionRequest = { model: path.model, messages: [{ role: 'user', content: words.join(' ') }], stream: true };
  const body = Buffer.from(JSON.stringify(chat));
  const record: StreamRecord = { words, status: 0, sentAtMs: performance.now(), tokens: [], arrivalsMs: [], chunks: 0, endedAtMs: Number.NaN, error: undefined };
  return new Promise<StreamRecord>((resolve) => {
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      open.delete(onAbort);
      record.endedAtMs = performance.now();
      record.error = error;
      resolve(record);
    };
    const outgoing = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
      record.status = response.statusCode ?? 0;
      const reader = new SseDataReader();
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        const arrivedAt = performance.now();
        for (const data of reader.feed(text)) {
          if (data === '[DONE]') continue;
          record.chunks += 1;
          const content = chunkContent(data);
          if (content === undefined) continue;
          record.tokens.push(content);
          record.arrivalsMs.push(arrivedAt);
        }
      });
      response.once('end', () => settle(record.status === 200 ? undefined : `HTTP ${record.status}`));
      response.once('error', (error) => settle(`the answer broke off: ${error.message}`));
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      settle(`still open after ${timeoutMs} ms`);
    }, timeoutMs);
    const onAbort = () => {
      outgoing.destroy();
      settle('interrupted');
    };
    open.add(onAbort);
    outgoing.once('error', (error) => settle(`request failed: ${error.message}`));
    outgoing.end(body);
  });
}
