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

  private schedule(controller: AbortController): void {
    this.cancelTimer = this.options.clock.after(this.options.intervalMs, () => {
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
