import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Caller, CallerSink } from '../inference/caller.js';
import { CallerSignal } from '../inference/caller-signal.js';
import { sseHeaders } from '../transports/sse-headers.js';


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
    raw.writeHead(200, sseHeaders(raw, headers));
    this.#sink = new ReplySink(raw);
    return this.#sink;
  }
}

class ReplySink implements CallerSink {
  #headWaiting = true;

  constructor(private readonly raw: ServerResponse) {
    // The head goes out with the first frame when one follows in this turn of the event loop
    // (a relayed chunk, an upstream's first read that came with its headers): one write instead
    // of two. Else it goes out alone at the turn's end, so the caller knows at once that its
    // answer started.
    waitForFrame(this);
  }

  /** The head alone, when no frame followed it in the turn the stream opened. */
  flushHead(): void {
    if (!this.#headWaiting) return;
    this.#headWaiting = false;
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.flushHeaders();
  }

  write(text: string | Uint8Array): void {
    this.#headWaiting = false;
    if (!this.raw.destroyed) this.raw.write(text);
  }

  end(): void {
    this.#headWaiting = false;
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

/**
 * Streams opened in this turn of the event loop whose heads wait for a frame. One immediate at
 * the turn's end serves them all: nearly every stream's first frame follows its head in the same
 * turn, so an immediate per stream was made and cleared again with almost every answer.
 */
let headsWaiting: ReplySink[] | undefined;

function waitForFrame(sink: ReplySink): void {
  if (headsWaiting) {
    headsWaiting.push(sink);
    return;
  }
  headsWaiting = [sink];
  setImmediate(flushWaitingHeads);
}

function flushWaitingHeads(): void {
  const sinks = headsWaiting ?? [];
  headsWaiting = undefined;
  for (const sink of sinks) sink.flushHead();
}

/** After the service is done: a reply nobody sent (the caller left) is released. */
export function settle(reply: FastifyReply): FastifyReply {
  if (!reply.sent) reply.hijack();
  return reply;
}
