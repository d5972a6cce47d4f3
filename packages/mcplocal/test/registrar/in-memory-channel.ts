import type { Clock } from '@mcpctl/clock';
import {
  providerHeartbeatRequestSchema,
  providerRegisterAnswerSchema,
  providerRegisterRequestSchema,
  taskResultSchema,
  type ProviderHeartbeatRequest,
  type ProviderRegisterAnswer,
  type ProviderRegisterRequest,
  type ProviderTask,
  type TaskResult,
} from '@mcpctl/protocol';
import { McpdHttpError, McplocalError } from '../../src/errors.js';
import type { ChannelFrame, ControlChannel, ResultDelivery, StreamEnd, StreamListener } from '../../src/registrar/control-channel.js';
import { llmViewOf, recordResult, type RecordedHeartbeat, type RecordedResult } from './fake-mcpd.js';

/** How mcpd turns an exchange down: the status and the `{"error"}` text an HTTP answer would carry. */
export interface Refusal {
  status: number;
  error: string;
}

interface OpenStream {
  readonly session: string;
  readonly listener: StreamListener;
  /** mcpd ends the stream: the publisher's `openStream` resolves. */
  end(): void;
  /** The stream breaks: the publisher's `openStream` rejects with `error`. */
  fail(error: Error): void;
}

/**
 * mcpd's end of an in-memory provider channel, with the rules of SPEC §4.3 a publisher meets: a
 * session presented again is kept while mcpd holds it and replaced by a new one once it does not,
 * one control stream per session (a newer one ends the older), `hello` first on every stream,
 * 404 (`gone`) for results of tasks mcpd no longer wants. Every message crosses as JSON text and
 * is checked against the protocol's schemas on the way in, as it would be over the network; the
 * publisher's end, from {@link connect}, is a real `ControlChannel`. Times recorded are readings
 * of `clock`, so tests read the intervals the registrar kept.
 */
export class InMemoryMcpd {
  readonly registrations: ProviderRegisterRequest[] = [];
  readonly heartbeats: RecordedHeartbeat[] = [];
  readonly results: RecordedResult[] = [];
  /** Sessions presented on each stream open, in order. */
  readonly streamOpens: string[] = [];
  /** Tasks whose result posts are answered `gone`, as mcpd answers for finished or cancelled tasks. */
  readonly goneTasks = new Set<string>();
  /** Refuse registrations with this. */
  refuseRegistration: Refusal | undefined;
  /** Refuse to open control streams with this. */
  refuseStream: Refusal | undefined;
  /** The next this many heartbeats do not arrive, as when mcpd cannot be reached. */
  failHeartbeats = 0;
  /** Heartbeats are recorded and never answered, as a half-open mcpd leaves them. */
  hangHeartbeats = false;
  private readonly sessions = new Set<string>();
  private readonly streams = new Map<string, OpenStream>();
  private issued = 0;

  constructor(private readonly clock: Clock) {}

  /** The publisher's end: a `ControlChannel` that reaches this mcpd. Several may share it, as several mcplocals share one mcpd. */
  connect(peer = 'memory://mcpd'): ControlChannel {
    return new InMemoryChannel(this, peer);
  }

  get openStreams(): number {
    return this.streams.size;
  }

  resultsOf(taskId: string): TaskResult[] {
    return this.results.filter((entry) => entry.taskId === taskId).map((entry) => entry.result);
  }

  /** Sends one `task` frame down every open control stream. */
  pushTask(task: ProviderTask | Record<string, unknown>): void {
    this.pushFrame({ event: 'task', data: JSON.stringify(task) });
  }

  pushFrame(frame: ChannelFrame): void {
    if (this.streams.size === 0) throw new Error('no control stream is open');
    for (const stream of this.streams.values()) this.deliver(stream, frame);
  }

  /** Ends every control stream, as mcpd does when it drains or restarts. */
  endStreams(): void {
    for (const stream of [...this.streams.values()]) stream.end();
  }

  /** Breaks every control stream, as a dropped connection does. */
  breakStreams(error: Error = new McplocalError('the control stream broke')): void {
    for (const stream of [...this.streams.values()]) stream.fail(error);
  }

  /** mcpd no longer holds the sessions it issued (they expired): a publisher presenting one gets a new one. */
  forgetSessions(): void {
    this.sessions.clear();
  }

  /** @internal The register exchange, from request text to answer text. */
  register(text: string): string {
    const request = providerRegisterRequestSchema.parse(JSON.parse(text));
    this.registrations.push(request);
    if (this.refuseRegistration) throw refused(this.refuseRegistration, 'the registration');
    const presented = request.providerSessionId;
    const session = presented !== undefined && this.sessions.has(presented) ? presented : `session-${++this.issued}`;
    this.sessions.add(session);
    return JSON.stringify({ providerSessionId: session, llms: request.providers.map((provider) => llmViewOf(provider)), agents: [] });
  }

  /** @internal The heartbeat exchange; resolves when mcpd answers. */
  heartbeat(text: string): Promise<void> {
    const request = providerHeartbeatRequestSchema.parse(JSON.parse(text));
    if (this.failHeartbeats > 0) {
      this.failHeartbeats -= 1;
      return Promise.reject(new McplocalError('cannot reach mcpd for a heartbeat: the connection was refused'));
    }
    this.heartbeats.push({ providerSessionId: request.providerSessionId, hibernating: request.hibernating, awake: request.awake, at: this.clock.monotonic() });
    return this.hangHeartbeats ? new Promise<void>(() => undefined) : Promise.resolve();
  }

  /** @internal One result post. */
  postResult(taskId: string, text: string): ResultDelivery {
    const result = taskResultSchema.parse(JSON.parse(text));
    if (this.goneTasks.has(taskId)) return 'gone';
    this.results.push(recordResult(taskId, result, this.clock.monotonic()));
    return 'delivered';
  }

  /**
   * @internal Opens the session's control stream, ending the one it replaces; `onOpen` and the
   * `hello` frame follow, in that order.
   */
  openStream(session: string, listener: StreamListener, settle: { end(): void; fail(error: Error): void }): () => void {
    if (this.refuseStream) throw refused(this.refuseStream, 'the control stream');
    this.streams.get(session)?.end();
    this.streamOpens.push(session);
    const close = () => {
      if (this.streams.get(session) === stream) this.streams.delete(session);
    };
    const stream: OpenStream = {
      session,
      listener,
      end: () => {
        close();
        settle.end();
      },
      fail: (error) => {
        close();
        settle.fail(error);
      },
    };
    this.streams.set(session, stream);
    listener.onOpen();
    this.deliver(stream, { event: 'hello', data: JSON.stringify({ providerSessionId: session }) });
    return close;
  }

  /** A frame reaches its listener a turn after it was sent, in order, unless its stream has closed by then. */
  private deliver(stream: OpenStream, frame: ChannelFrame): void {
    const text = JSON.stringify(frame);
    queueMicrotask(() => {
      if (this.streams.get(stream.session) === stream) stream.listener.onFrame(JSON.parse(text) as ChannelFrame);
    });
  }
}

/** The publisher's end of the pair. */
class InMemoryChannel implements ControlChannel {
  constructor(
    private readonly mcpd: InMemoryMcpd,
    readonly peer: string,
  ) {}

  async register(request: ProviderRegisterRequest, signal: AbortSignal): Promise<ProviderRegisterAnswer> {
    const answer = await travel(signal, () => this.mcpd.register(JSON.stringify(request)));
    return providerRegisterAnswerSchema.parse(JSON.parse(answer));
  }

  heartbeat(request: ProviderHeartbeatRequest, signal: AbortSignal): Promise<void> {
    return travel(signal, () => this.mcpd.heartbeat(JSON.stringify(request)));
  }

  postResult(taskId: string, result: TaskResult, signal: AbortSignal): Promise<ResultDelivery> {
    return travel(signal, () => this.mcpd.postResult(taskId, JSON.stringify(result)));
  }

  /** Resolves with nothing said: this mcpd never asks a publisher to move to another replica. */
  async openStream(providerSessionId: string, listener: StreamListener, signal: AbortSignal): Promise<StreamEnd> {
    await travel(signal, () => undefined);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        close();
        reject(signal.reason);
      };
      const settle = {
        end: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (error: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const close = this.mcpd.openStream(providerSessionId, listener, settle);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    return undefined;
  }
}

/**
 * One exchange: mcpd handles it a turn later, as a message on a wire would be, and the caller's
 * abort ends the wait at once with its reason, answered or not.
 */
function travel<T>(signal: AbortSignal, answer: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    queueMicrotask(() => {
      Promise.resolve()
        .then(answer)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  });
}

function refused(refusal: Refusal, what: string): McpdHttpError {
  return new McpdHttpError(refusal.status, `mcpd answered ${what} with HTTP ${refusal.status}: ${refusal.error}`);
}
