import { request, type Agent } from 'node:http';
import { chatRequestBody, requestHeaders, type BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';
import { FirstContentDetector } from './first-content-detector.js';

/** One request, ready to send again and again without rebuilding anything. */
export interface PreparedRequest {
  path: BenchPath;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  streaming: boolean;
}

export interface Timing {
  status: number;
  /** From sending the request to the end of the response body. */
  totalMs: number;
  /** From sending the request to the first frame carrying text; streams only. */
  firstTokenMs: number | undefined;
}

const TIMEOUT_MS = 10_000;

export function prepareRequest(path: BenchPath, streaming: boolean): PreparedRequest {
  const body = Buffer.from(chatRequestBody(path, streaming));
  // A known length: a chunked request body would cost both sides an extra parse step.
  const headers = { ...requestHeaders(path), 'content-length': String(body.length) };
  return { path, url: new URL(path.url), headers, body, streaming };
}

/** Sends one request on `agent` (keep-alive) and times it with hrtime. */
export function timeRequest(agent: Agent, prepared: PreparedRequest): Promise<Timing> {
  return new Promise<Timing>((resolve, reject) => {
    const detector = prepared.streaming ? new FirstContentDetector() : undefined;
    let firstTokenAt: bigint | undefined;
    const startedAt = process.hrtime.bigint();
    const outgoing = request(prepared.url, { method: 'POST', agent, headers: prepared.headers }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        if (detector && firstTokenAt === undefined && detector.feed(text)) firstTokenAt = process.hrtime.bigint();
      });
      response.once('end', () => {
        const endedAt = process.hrtime.bigint();
        resolve({
          status: response.statusCode ?? 0,
          totalMs: milliseconds(endedAt - startedAt),
          firstTokenMs: firstTokenAt === undefined ? undefined : milliseconds(firstTokenAt - startedAt),
        });
      });
      response.once('error', (error) => reject(new BenchError(`the answer from ${prepared.path.name} broke off`, { cause: error })));
    });
    outgoing.setTimeout(TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    outgoing.once('error', (error) => reject(new BenchError(`request to ${prepared.path.name} failed`, { cause: error })));
    outgoing.end(prepared.body);
  });
}

function milliseconds(nanoseconds: bigint): number {
  return Number(nanoseconds) / 1e6;
}
