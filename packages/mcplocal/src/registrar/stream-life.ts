/** How one life of the control stream (or one attempt at it) ended. */
export interface StreamLife {
  /** How long it was open; undefined when it never opened. */
  openMs: number | undefined;
  reason: string;
  /** mcpd asked the publisher to reconnect to another replica. */
  moving?: boolean;
  retryAfterMs?: number | undefined;
  /** mcpd refused the token or the publisher (401, 403): the line that says so, logged with the wait after it. */
  refusal?: string | undefined;
  /** mcpd refused the token (401): the credentials' generation it was refused under. */
  refusedGeneration?: number | undefined;
  /**
   * The registration still stands for the next attempt: this one's stream failed to open after
   * mcpd had the registration, and not because mcpd forgot the session or refused the token (401, 403).
   */
  registrationStands?: boolean;
  /** The publisher ended it to register afresh: the token read since is another user's, or mcpd's answer named nobody. */
  afresh?: boolean;
}
