import type { Caller, CallerSink } from '../inference/caller.js';

export interface ThreadCaller {
  caller: Caller;
  /** Sends what was held back: the JSON answer, or the end of the stream. Safe to call twice. */
  release(): void;
}

/**
 * The caller of a chat kept in a thread: its answers name the thread, and the answer's last
 * step (the JSON body, or the end of the stream) waits for `release`, which comes once the
 * exchange is stored. A client that sends the thread's next message as soon as it has read an
 * answer then always finds that answer in the thread's history.
 */
export function threadCaller(caller: Caller, header: string, threadId: string): ThreadCaller {
  let held: (() => void) | undefined;
  let released = false;
  const hold = (finish: () => void) => {
    if (released) finish();
    else held = finish;
  };
  let sink: CallerSink | undefined;
  return {
    caller: {
      signal: caller.signal,
      abort: () => caller.abort(),
      get streaming() {
        return caller.streaming;
      },
      sendJson: (json, headers) => hold(() => caller.sendJson(json, { ...headers, [header]: threadId })),
      openStream: (headers) => {
        if (sink) return sink;
        const inner = caller.openStream({ ...headers, [header]: threadId });
        sink = {
          write: (text) => inner.write(text),
          end: () => hold(() => inner.end()),
          get full() {
            return inner.full;
          },
          onDrain: (listener) => inner.onDrain(listener),
        };
        return sink;
      },
    },
    release() {
      if (released) return;
      released = true;
      const finish = held;
      held = undefined;
      finish?.();
    },
  };
}
