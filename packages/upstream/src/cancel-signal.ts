/**
 * What cancelling a call needs of a signal: whether it fired, and a listener for when it does. A
 * real `AbortSignal` is one; so is a lighter signal a server makes per request (mcpd's
 * `CallerSignal`), which is why calls take this and not `AbortSignal`.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
