import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** One scripted answer: the body goes out in `chunks`, `gapMs` apart, so frames can be split across reads. */
export interface ScriptedAnswer {
  status?: number;
  contentType: string;
  chunks: string[];
  gapMs?: number;
  /** After the last chunk, end the HTTP body only on `endHeld()`. */
  holdEnd?: boolean;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedServer {
  url: string;
  requests: ReceivedRequest[];
  /** Answers whose body was ended, answers whose connection closed first, and TCP connections accepted, so far. */
  readonly ended: number;
  readonly cutShort: number;
  readonly connections: number;
  /** With `holdEnd`: ends every answer that waits for it, and from then on holds none. */
  endHeld(): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server answering every request with a fixed script, for answers the fake
 * upstream does not produce (reasoning, tool calls, errors inside a stream).
 */
export async function startScriptedServer(answer: ScriptedAnswer): Promise<ScriptedServer> {
  const requests: ReceivedRequest[] = [];
  let ended = 0;
  let cutShort = 0;
  let connections = 0;
  const held: Array<() => void> = [];
  let holding = answer.holdEnd === true;
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => (text += piece));
    request.on('end', () => {
      requests.push({ method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body: text ? JSON.parse(text) : undefined });
      response.once('close', () => {
        if (!response.writableFinished) cutShort += 1;
      });
      void (async () => {
        response.writeHead(answer.status ?? 200, { 'content-type': answer.contentType });
        response.flushHeaders();
        for (const chunk of answer.chunks) {
          if (response.destroyed) return;
          response.write(chunk);
          await delay(answer.gapMs ?? 5);
        }
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
        if (response.destroyed) return;
        response.end();
        ended += 1;
      })();
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get ended() {
      return ended;
    },
    get cutShort() {
      return cutShort;
    },
    get connections() {
      return connections;
    },
    endHeld: () => {
      holding = false;
      for (const release of held.splice(0)) release();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** SSE frames for `values`, each `data:` line JSON unless it is a string already. */
export function sseFrames(values: unknown[], eventOf?: (value: unknown) => string | undefined): string[] {
  return values.map((value) => {
    const event = eventOf?.(value);
    const data = typeof value === 'string' ? value : JSON.stringify(value);
    return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
  });
}

/** Splits every piece in two, so a parser has to join frames across reads. */
export function splitInHalves(pieces: string[]): string[] {
  return pieces.flatMap((piece) => {
    const middle = Math.floor(piece.length / 2);
    return [piece.slice(0, middle), piece.slice(middle)];
  });
}
