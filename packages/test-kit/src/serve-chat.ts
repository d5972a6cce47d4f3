import { setTimeout as delay } from 'node:timers/promises';
import type { Dialect, StreamPlan } from './dialects/dialect.js';
import { JSON_CONTENT_TYPE, type Exchange } from './exchange.js';
import { composeAnswer, type ChatInput } from './fake-answer.js';
import type { FakeUpstreamFailure, FakeUpstreamMode } from './fake-upstream-options.js';
import type { UpstreamBehavior } from './upstream-behavior.js';

/** How this one request misbehaves, decided when it arrives. */
export interface Misbehaviour {
  fail: FakeUpstreamFailure | undefined;
  mode: FakeUpstreamMode;
}

export const WELL_BEHAVED: Misbehaviour = { fail: undefined, mode: 'normal' };

const GARBAGE_BODY = '<html><body>upstream exploded</body></html>';

/** Answers one parsed chat request; rejects with an AbortError when the client leaves during a wait. */
export async function serveChat(
  exchange: Exchange,
  dialect: Dialect,
  input: ChatInput,
  behavior: UpstreamBehavior,
  misbehaviour: Misbehaviour,
  id: string,
): Promise<void> {
  if (behavior.latencyMs > 0) await delay(behavior.latencyMs, undefined, { signal: exchange.signal });
  const { fail, mode } = misbehaviour;
  const streamed = input.stream && !behavior.ignoreStream;
  if (fail) {
    const headers = {
      ...(fail.retryAfter === undefined ? {} : { 'retry-after': fail.retryAfter }),
      ...(fail.retryAfterMs === undefined ? {} : { 'retry-after-ms': fail.retryAfterMs }),
    };
    return exchange.send(fail.status, JSON_CONTENT_TYPE, dialect.errorBody(fail.status, fail.message), headers);
  }
  switch (mode) {
    case 'hang':
      // The exchange stays open until the client gives up or the server closes.
      return;
    case 'close':
      return exchange.destroy();
    case 'garbage':
      if (streamed) return exchange.send(200, dialect.garbageStream.contentType, dialect.garbageStream.body);
      return exchange.send(200, JSON_CONTENT_TYPE, GARBAGE_BODY);
    case 'normal':
    case 'cut-mid-stream':
      break;
  }
  const answer = composeAnswer(input, behavior);
  const context = { id, created: Math.floor(Date.now() / 1000), answer, input, tokenIntervalMs: behavior.tokenIntervalMs };
  const cut = mode === 'cut-mid-stream';
  if (streamed) {
    const cutAfter = cut ? Math.ceil(answer.tokens.length / 2) : undefined;
    return writeStream(exchange, dialect.stream(context), behavior.tokenIntervalMs, cutAfter);
  }
  const generationMs = behavior.tokenIntervalMs * answer.tokens.length;
  if (generationMs > 0) await delay(generationMs, undefined, { signal: exchange.signal });
  const body = dialect.completion(context);
  if (!cut) return exchange.send(200, JSON_CONTENT_TYPE, body);
  exchange.response.writeHead(200, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  exchange.writeThenDestroy(body.slice(0, Math.floor(body.length / 2)));
}

/** One frame per token; unpaced answers go out in a single write, paced ones one token interval apart. */
async function writeStream(exchange: Exchange, plan: StreamPlan, intervalMs: number, cutAfter: number | undefined): Promise<void> {
  const { response, signal } = exchange;
  response.writeHead(200, { 'content-type': plan.contentType, 'cache-control': 'no-cache' });
  if (intervalMs === 0) {
    if (cutAfter === undefined) response.end(plan.head + plan.frames.join('') + plan.tail);
    else exchange.writeThenDestroy(plan.head + plan.frames.slice(0, cutAfter).join(''));
    return;
  }
  // Headers go out at once: a real server opens the stream before the first token is ready.
  response.flushHeaders();
  if (plan.head) response.write(plan.head);
  const count = cutAfter ?? plan.frames.length;
  for (let index = 0; index < count; index += 1) {
    await delay(intervalMs, undefined, { signal });
    const frame = plan.frames[index]!;
    if (index === count - 1 && cutAfter !== undefined) return exchange.writeThenDestroy(frame);
    response.write(frame);
  }
  if (cutAfter !== undefined) return exchange.writeThenDestroy('');
  response.end(plan.tail);
}
