import type { ProviderHeartbeatRequest, ProviderRegisterRequest, ProviderRegisterAnswer, ProviderTransport, TaskResult } from '@mcpctl/protocol';

/** What became of a result post: taken, or refused because mcpd no longer wants this task. */
export type ResultDelivery = 'delivered' | 'gone';

/**
 * A delivery known at once (a result queued on the provider socket, or refused for a task already
 * gone), or one still under way. Streams post a result per chunk: answering at once spares each
 * chunk the promises and turns of an awaited post.
 */
export type PostedResult = ResultDelivery | Promise<ResultDelivery>;

/**
 * How a life of the control stream ended when mcpd ended it: `moving` when mcpd asked the
 * publisher to reconnect to another replica at once (its own drains); otherwise nothing said.
 */
export type StreamEnd = 'moving' | undefined;

/** One named frame of the control stream (`hello`, `task`), its data still the text it travelled as. */
export interface ChannelFrame {
  readonly event: string;
  /** May be a getter (the provider socket's frames write it only when read): read it, never copy the frame. */
  readonly data: string;
  /**
   * The data read as JSON already, by a transport whose messages are JSON themselves (the
   * provider socket): a task, prompt and all, is then not written out as text to be read again.
   * `data` is its text.
   */
  readonly value?: unknown;
}

export interface StreamListener {
  /**
   * The stream is open: mcpd accepted the session and will send tasks on it. Called once, before
   * any frame, with the transport this life travels over when the channel has more than one.
   */
  onOpen(transport?: ProviderTransport): void;
  /** Each frame as it arrives, in the order mcpd sent them. */
  onFrame(frame: ChannelFrame): void;
}

/**
 * The provider channel's four exchanges, apart from how they travel. The registrar and the task
 * handler speak only this, so the protocol logic (when to register, reconnect and heartbeat, how
 * tasks run) is the same over HTTP and SSE, over a WebSocket, or over an in-memory pair in a
 * test; a transport is one class in `channels/`, handed to the registrar by the composition root.
 *
 * Every call rejects with an error naming what failed; a refusal by mcpd is a `McpdHttpError`
 * carrying mcpd's status (the registrar tells a refused token by 401 and 403), whatever the
 * transport. An aborted `signal` ends the call, rejecting with its reason or an `AbortError`.
 * Time-outs are the channel's own, read from the clock it was built with.
 */
export interface ControlChannel {
  /** Where the channel leads, as log lines name it: mcpd's base URL. */
  readonly peer: string;
  register(request: ProviderRegisterRequest, signal: AbortSignal): Promise<ProviderRegisterAnswer>;
  heartbeat(request: ProviderHeartbeatRequest, signal: AbortSignal): Promise<void>;
  /**
   * One result of a running task; it may be called while no stream is open, and for many tasks at
   * once. A failure is always a rejected promise, never a throw.
   */
  postResult(taskId: string, result: TaskResult, signal: AbortSignal): PostedResult;
  /**
   * One life of the control stream: the connection a transport holds per session. Resolves when
   * mcpd ends it (with how, when mcpd said); rejects when it cannot be opened, breaks or goes
   * silent. The registrar calls it again for the next life, registering first after a life that was up.
   */
  openStream(providerSessionId: string, listener: StreamListener, signal: AbortSignal): Promise<StreamEnd>;
}
