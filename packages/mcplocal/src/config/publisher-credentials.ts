import type { Cancel } from '@mcpctl/clock';
import type { TokenOwner } from '@mcpctl/protocol';
import type { SessionCredentials } from '../registrar/registrar-options.js';
import type { LiveCredentials } from './live-credentials.js';

export interface PublisherCredentialsOptions {
  /** The credentials file as `mcpctl login` last wrote it. */
  live: Pick<LiveCredentials, 'token' | 'generation' | 'reload' | 'onChange'>;
  /** Asks mcpd whose `token` is (`askTokenOwner`); `undefined`: its answer names no user. */
  ownerOf: (token: string, signal: AbortSignal) => Promise<TokenOwner | undefined>;
}

/**
 * The token the provider channel presents, apart from the one `mcpctl login` wrote last: the
 * provider session keeps the token it registered with until the registrar adopts the new one,
 * at once for the same user, at the next registration for another (for a token mcpd refused,
 * only once mcpd refuses the session's own too). So a session is never
 * half-switched (registered and streaming as one user, posting results as another). The local
 * endpoint reads `LiveCredentials` itself and takes a new token at its next request.
 * It is the registrar's `SessionCredentials`.
 */
export class PublisherCredentials implements SessionCredentials {
  private readonly live: PublisherCredentialsOptions['live'];
  private readonly askOwner: PublisherCredentialsOptions['ownerOf'];
  #token: string;
  #generation: number;

  constructor(options: PublisherCredentialsOptions) {
    this.live = options.live;
    this.askOwner = options.ownerOf;
    this.#token = options.live.token;
    this.#generation = options.live.generation;
  }

  /** The token the provider channel presents now. */
  get token(): string {
    return this.#token;
  }

  get generation(): number {
    return this.live.generation;
  }

  get presentedGeneration(): number {
    return this.#generation;
  }

  reload(): Promise<void> {
    return this.live.reload();
  }

  onChange(listener: () => void): Cancel {
    return this.live.onChange(listener);
  }

  adopt(): void {
    this.#token = this.live.token;
    this.#generation = this.live.generation;
  }

  ownerOf(token: 'presented' | 'read', signal: AbortSignal): Promise<TokenOwner | undefined> {
    return this.askOwner(token === 'presented' ? this.#token : this.live.token, signal);
  }
}
