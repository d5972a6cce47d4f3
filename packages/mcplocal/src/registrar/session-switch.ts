import { McplocalError } from '../errors.js';
import { NewTokenWatch, REREGISTERING, type NewTokenWatchOptions } from './new-token-watch.js';
import type { SessionCredentials } from './registrar-options.js';

export interface SessionSwitchOptions extends Omit<NewTokenWatchOptions, 'credentials'> {
  /** Without them the channel presents what it reads itself, and there is nothing to switch. */
  credentials: SessionCredentials | undefined;
}

/** One life of the provider session: a registration (unless one stands) and the stream after it. */
export interface SessionLife {
  /** Aborts when the registrar stops, or when the switch ends this life to register afresh. */
  readonly signal: AbortSignal;
  /** Whether the switch ended this life itself, the registrar still running: the next one registers afresh. */
  endedAfresh(): boolean;
  /** Stops judging new tokens; a drain under way stops waiting. */
  close(): void;
}

/**
 * Which token and session id each registration of the provider session presents, across its
 * lives. A token read since the session registered is presented from a registration on, never by
 * a stream alone: that would open the registered user's session with another user's token. While
 * a life runs, `NewTokenWatch` judges each new token, and may end the life so the next one
 * registers afresh, without the old user's session id.
 */
export class SessionSwitch {
  readonly #credentials: SessionCredentials | undefined;
  readonly #watch: NewTokenWatch | undefined;
  /** The next registration presents no session id: the one held is the user's of the token presented before. */
  #forgetSession = false;

  constructor(options: SessionSwitchOptions) {
    const { credentials } = options;
    this.#credentials = credentials;
    this.#watch = credentials && new NewTokenWatch({ ...options, credentials });
  }

  /** The session id the next registration presents, of the one held. */
  toPresent(sessionId: string | undefined): string | undefined {
    return this.#forgetSession ? undefined : sessionId;
  }

  /** mcpd took a registration: the session id it answered is the presented token's user's. */
  registered(): void {
    this.#forgetSession = false;
  }

  /**
   * Before an attempt: after a refused token (`refusedGeneration`, the generation it was refused
   * under), the credentials are read again; a token read since is adopted, which needs a
   * registration. A token mcpd refused is not, while the one held still works: the held one goes
   * on until mcpd refuses it as well, and a newer login is judged afresh. Answers whether the
   * registration still stands.
   */
  async beforeAttempt(registered: boolean, refusedGeneration: number | undefined): Promise<boolean> {
    const credentials = this.#credentials;
    if (!credentials) return registered;
    if (refusedGeneration !== undefined) await credentials.reload();
    const read = credentials.generation;
    if (read === credentials.presentedGeneration) return registered;
    const heldRefused = refusedGeneration === credentials.presentedGeneration;
    if (this.#watch?.refused(read) === true && !heldRefused) return registered;
    credentials.adopt();
    return false;
  }

  /** Starts a life, which ends with `stop` or when the switch ends it; `close` it when it is over. */
  begin(stop: AbortSignal): SessionLife {
    const life = new AbortController();
    const signal = AbortSignal.any([stop, life.signal]);
    const stopWatching = this.#watch?.during(signal, {
      forgetSession: () => (this.#forgetSession = true),
      keepSession: () => (this.#forgetSession = false),
      end: () => life.abort(new McplocalError(REREGISTERING)),
    });
    return {
      signal,
      endedAfresh: () => life.signal.aborted && !stop.aborted,
      close: () => stopWatching?.(),
    };
  }
}
