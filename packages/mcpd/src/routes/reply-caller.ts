import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Caller, CallerSink } from '../inference/caller.js';
import { CallerSignal } from '../inference/caller-signal.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** Adapts a Fastify reply to the inference service's view of a caller. */
export function replyCaller(reply: FastifyReply): Caller {
  return new ReplyCaller(reply);
}

class ReplyCaller implements Caller {
  readonly signal = new CallerSignal();
  #sink: ReplySink | undefined;

  constructor(private readonly reply: FastifyReply) {
    const signal = this.signal;
    reply.raw.once('close', function (this: ServerResponse) {
      if (!this.writableFinished) signal.abort();
    });
  }

  abort(): void {
    this.signal.abort();
  }

  get streaming(): boolean {
    return this.#sink !== undefined;
  }

  sendJson(json: string, headers: Record<string, string>): void {
    void this.reply.headers(headers).type('application/json; charset=utf-8').send(json);
  }

  openStream(headers: Record<string, string>): CallerSink {
    if (this.#sink) return this.#sink;
    this.reply.hijack();
    const raw = this.reply.raw;
    raw.writeHead(200, { ...SSE_HEADERS, ...headers });
    this.#sink = new ReplySink(raw);
    return this.#sink;
  }
}

class ReplySink implements CallerSink {
  readonly #flush: NodeJS.Immediate;

  constructor(private readonly raw: ServerResponse) {
    // The head goes out with the first frame when one follows in this turn of the event loop
    // (a relayed chunk, an upstream's first read that came with its headers): one write instead
    // of two. Else it goes out alone at the turn's end, so the caller knows at once that its
    // answer started.
    this.#flush = setImmediate(() => {
      if (!raw.writableEnded && !raw.destroyed) raw.flushHeaders();
    });
  }

  write(text: string | Uint8Array): void {
    clearImmediate(this.#flush);
    if (!this.raw.destroyed) this.raw.write(text);
  }

  end(): void {
    clearImmediate(this.#flush);
    if (!this.raw.writableEnded) this.raw.end();
  }

  get full(): boolean {
    return this.raw.writableNeedDrain && !this.raw.destroyed;
  }

  onDrain(listener: () => void): void {
    // A socket that closes while full never drains: the caller's signal ends the answer then.
    if (this.raw.writableNeedDrain && !this.raw.destroyed) this.raw.once('drain', listener);
    else listener();
  }
}

/** After the service is done: a reply nobody sent (the caller left) is released. */
export function settle(reply: FastifyReply): FastifyReply {
  if (!reply.sent) reply.hijack();
  return reply;
}
