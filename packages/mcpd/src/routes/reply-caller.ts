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
  const signal = new CallerSignal();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) signal.abort();
  });
  let sink: CallerSink | undefined;
  return {
    signal,
    abort: () => signal.abort(),
    get streaming() {
      return sink !== undefined;
    },
    sendJson(json, headers) {
      void reply.headers(headers).type('application/json; charset=utf-8').send(json);
    },
    openStream(headers) {
      if (sink) return sink;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { ...SSE_HEADERS, ...headers });
      // The head goes out with the first frame when one follows in this turn of the event loop
      // (a relayed chunk, an upstream's first read that came with its headers): one write instead
      // of two. Else it goes out alone at the turn's end, so the caller knows at once that its
      // answer started.
      const flush = setImmediate(() => {
        if (!raw.writableEnded && !raw.destroyed) raw.flushHeaders();
      });
      sink = {
        write: (text) => {
          clearImmediate(flush);
          if (!raw.destroyed) raw.write(text);
        },
        end: () => {
          clearImmediate(flush);
          if (!raw.writableEnded) raw.end();
        },
        get full() {
          return raw.writableNeedDrain && !raw.destroyed;
        },
        onDrain: (listener) => {
          // A socket that closes while full never drains: the caller's signal ends the answer then.
          if (raw.writableNeedDrain && !raw.destroyed) raw.once('drain', listener);
          else listener();
        },
      };
      return sink;
    },
  };
}

/** After the service is done: a reply nobody sent (the caller left) is released. */
export function settle(reply: FastifyReply): FastifyReply {
  if (!reply.sent) reply.hijack();
  return reply;
}
