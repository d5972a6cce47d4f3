import type { Caller, CallerSink } from '../inference/caller.js';
import { ForwardingCaller } from '../inference/forwarding-caller.js';
import { ForwardingSink } from '../inference/forwarding-sink.js';

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
  const held = new HeldEnd();
  return { caller: new NamingCaller(caller, { [header]: threadId }, held), release: () => held.release() };
}

/** The answer's last step, held until `release`. */
class HeldEnd {
  #finish: (() => void) | undefined;
  #released = false;

  hold(finish: () => void): void {
    if (this.#released) finish();
    else this.#finish = finish;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const finish = this.#finish;
    this.#finish = undefined;
    finish?.();
  }
}

/** Names the thread in the answer's headers, and holds its last step. */
class NamingCaller extends ForwardingCaller {
  #sink: CallerSink | undefined;

  constructor(
    inner: Caller,
    private readonly naming: Record<string, string>,
    private readonly held: HeldEnd,
  ) {
    super(inner);
  }

  override sendJson(json: string, headers: Record<string, string>): void {
    this.held.hold(() => this.inner.sendJson(json, { ...headers, ...this.naming }));
  }

  override openStream(headers: Record<string, string>): CallerSink {
    this.#sink ??= new HeldEndSink(this.inner.openStream({ ...headers, ...this.naming }), this.held);
    return this.#sink;
  }
}

class HeldEndSink extends ForwardingSink {
  constructor(
    inner: CallerSink,
    private readonly held: HeldEnd,
  ) {
    super(inner);
  }

  override end(): void {
    this.held.hold(() => this.inner.end());
  }
}
