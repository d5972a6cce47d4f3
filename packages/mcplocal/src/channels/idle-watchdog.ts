import type { Cancel, Clock } from '@mcpctl/clock';

/** Calls `onIdle` once when `kick` has not been called for `timeoutMs` on `clock`; starts counting when built. */
export class IdleWatchdog {
  private cancel: Cancel | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {
    this.kick();
  }

  kick(): void {
    this.cancel?.();
    this.cancel = this.clock.after(this.timeoutMs, this.onIdle);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
