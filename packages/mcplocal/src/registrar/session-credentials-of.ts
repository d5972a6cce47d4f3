import type { Cancel } from '@mcpctl/clock';
import type { TokenOwner } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';
import type { RefreshableCredentials, SessionCredentials } from './registrar-options.js';

/**
 * The registrar's credentials as `SessionCredentials`. Bare `RefreshableCredentials` hold no
 * session token: the channel reads the token itself, so the one it presents is always the one
 * read last, and there is no new token to judge.
 */
export function sessionCredentialsOf(credentials: RefreshableCredentials | SessionCredentials | undefined): SessionCredentials | undefined {
  if (credentials === undefined || 'adopt' in credentials) return credentials;
  return new ReadLastCredentials(credentials);
}

/** Credentials whose channel presents the token read last: there is nothing to adopt or judge. */
class ReadLastCredentials implements SessionCredentials {
  constructor(private readonly credentials: RefreshableCredentials) {}

  get generation(): number {
    return this.credentials.generation;
  }

  get presentedGeneration(): number {
    return this.credentials.generation;
  }

  reload(): Promise<void> {
    return this.credentials.reload();
  }

  onChange(listener: () => void): Cancel {
    return this.credentials.onChange(listener);
  }

  adopt(): void {}

  ownerOf(): Promise<TokenOwner | undefined> {
    return Promise.reject(new McplocalError('these credentials cannot tell whose a token is'));
  }
}
