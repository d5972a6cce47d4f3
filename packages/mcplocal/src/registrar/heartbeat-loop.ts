import type { Cancel, Clock } from '@mcpctl/clock';

export interface HeartbeatLoopOptions {
  /** Times the interval between one beat's end and the next. */
  clock: Clock;
  intervalMs: number;
  /** Sends one heartbeat; a rejection is reported to `onFailure` and the loop goes on. */
  beat(signal: AbortSignal): Promise<void>;
  onFailure(error: unknown): void;
  /** Called on the first success after one or more failures. */
  onRecovery(): void;
}

/**
 * Beats every `intervalMs` while running. The next beat is scheduled when the previous one has
 * settled, so a slow mcpd never has two heartbeats of one session in flight.
 */
export class HeartbeatLoop {
  private cancelTimer: Cancel | undefined;
  private controller: AbortController | undefined;
  private failing = false;
  /** A beat was asked for while one was in flight: the next follows at once. */
  private soon = false;

  constructor(private readonly options: HeartbeatLoopOptions) {}

  get running(): boolean {
    return this.controller !== undefined;
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    this.schedule(this.controller);
  }

  /** Clears the timer and aborts a beat in flight; nothing of the loop is left pending. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.controller?.abort();
    this.controller = undefined;
  }

  /** Beats now instead of at the end of the interval (news mcpd should hear at once), still one beat at a time. */
  beatSoon(): void {
    const controller = this.controller;
    if (!controller) return;
    if (!this.cancelTimer) {
      this.soon = true;
      return;
    }
    this.cancelTimer();
    this.cancelTimer = undefined;
    void this.beatOnce(controller);
  }

  private schedule(controller: AbortController): void {
    const delayMs = this.soon ? 0 : this.options.intervalMs;
    this.soon = false;
    this.cancelTimer = this.options.clock.after(delayMs, () => {
      this.cancelTimer = undefined;
      void this.beatOnce(controller);
    });
  }

  private async beatOnce(controller: AbortController): Promise<void> {
    try {
      await this.options.beat(controller.signal);
      if (this.failing) this.options.onRecovery();
      this.failing = false;
    } catch (error) {
      if (controller.signal.aborted) return;
      this.failing = true;
      this.options.onFailure(error);
    }
    if (this.controller === controller) this.schedule(controller);
  }
}
