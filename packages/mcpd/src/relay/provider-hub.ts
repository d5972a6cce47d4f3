import type { ControlChannel } from './control-channel.js';

/** The open control streams of this replica, one per provider session. */
export class ProviderHub {
  readonly #channels = new Map<string, ControlChannel>();
  readonly #attachListeners = new Set<(sessionId: string) => void>();
  readonly #detachListeners = new Set<(sessionId: string, moving: boolean) => void>();

  /** A newer stream of the same session replaces (and closes) the older one, which it answers. */
  attach(sessionId: string, channel: ControlChannel): ControlChannel | undefined {
    const older = this.#channels.get(sessionId);
    this.#channels.set(sessionId, channel);
    older?.close('replaced');
    for (const listener of this.#attachListeners) listener(sessionId);
    return older;
  }

  /** Called each time a session's stream attaches here. */
  onAttach(listener: (sessionId: string) => void): void {
    this.#attachListeners.add(listener);
  }

  /**
   * Answers true when `channel` was the session's current stream. `moving`: the publisher moves to
   * another replica while this one drains, and the connection stays open a while for the tasks it carries.
   */
  detach(sessionId: string, channel: ControlChannel, moving = false): boolean {
    if (this.#channels.get(sessionId) !== channel) return false;
    this.#channels.delete(sessionId);
    for (const listener of this.#detachListeners) listener(sessionId, moving);
    return true;
  }

  /** Called each time a session's stream leaves here (closed, ended by mcpd, taken over elsewhere, moving away). */
  onDetach(listener: (sessionId: string, moving: boolean) => void): void {
    this.#detachListeners.add(listener);
  }

  channel(sessionId: string | null): ControlChannel | undefined {
    return sessionId ? this.#channels.get(sessionId) : undefined;
  }

  /** Sessions with an open stream here. */
  sessionIds(): string[] {
    return [...this.#channels.keys()];
  }

  get size(): number {
    return this.#channels.size;
  }
}
