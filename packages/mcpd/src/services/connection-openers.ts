import type { Clock } from '@mcpctl/clock';
import type { LlmRow } from '@mcpctl/db';
import { HttpError } from '../errors.js';
import { assertMayHold } from '../rbac/assert-may-publish.js';
import type { Principal } from '../rbac/principal.js';
import type { ControlChannel } from '../relay/control-channel.js';
import type { LlmRepository } from '../repositories/llm-repository.js';

/** Who opened a control connection, as the request showed: checked again when access changes. */
export interface ConnectionOpener {
  principal: Principal;
  /** The `Authorization` header it came with. */
  authorization: string | undefined;
}

/** The caller of an `Authorization` header as it stands now; rejects with a 401 for a token no longer valid. */
export type Reauthenticate = (authorization: string | undefined) => Promise<Principal>;

/** A connection held here, by its session. */
export interface HeldConnection {
  sessionId: string;
  channel: ControlChannel;
}

/**
 * Who opened each control connection held here, and what follows from it: the connection ends
 * when the token it was opened with expires, and when a change to tokens, users or bindings
 * means its publisher may no longer hold its rows (checked again with the header it opened
 * with), as its requests and its next registration would be refused from then on.
 */
export class ConnectionOpeners {
  readonly #openers = new WeakMap<ControlChannel, ConnectionOpener>();
  readonly #expiries = new WeakMap<ControlChannel, () => void>();
  /** The check under way after an access change, and whether another must follow it. */
  #rechecking: Promise<string[]> | undefined;
  #recheckAgain = false;

  constructor(
    private readonly clock: Clock,
    private readonly llms: Pick<LlmRepository, 'listBySession'>,
    /** Ends the session's connection if it is still `channel`; answers whether it did. */
    private readonly end: (connection: HeldConnection) => Promise<boolean>,
  ) {}

  opened(connection: HeldConnection, opener: ConnectionOpener): void {
    this.#openers.set(connection.channel, opener);
    this.#endAtExpiry(connection, opener.principal.tokenExpiresAt);
  }

  /** The connection is no longer held here: its expiry is nothing to wait for. */
  closed(channel: ControlChannel): void {
    this.#expiries.get(channel)?.();
    this.#expiries.delete(channel);
  }

  openedWith(channel: ControlChannel, tokenId: string): boolean {
    return this.#openers.get(channel)?.principal.tokenId === tokenId;
  }

  /**
   * Checks every connection `held` answers again and ends those no longer allowed; answers
   * their sessions. One check at a time: changes that come while one runs are covered by one
   * more run after it, so a burst of changes costs two.
   */
  recheck(held: () => HeldConnection[], reauthenticate: Reauthenticate): Promise<string[]> {
    if (this.#rechecking) {
      this.#recheckAgain = true;
      // The run under way answers the sessions it ends, this change's included, to its own caller.
      return this.#rechecking.then(() => []);
    }
    this.#rechecking = (async () => {
      const ended: string[] = [];
      try {
        do {
          this.#recheckAgain = false;
          ended.push(...(await this.#recheck(held(), reauthenticate)));
        } while (this.#recheckAgain);
      } finally {
        // Cleared in the same turn as the last look at `#recheckAgain`: no change falls between.
        this.#rechecking = undefined;
      }
      return ended;
    })();
    return this.#rechecking;
  }

  async #recheck(held: HeldConnection[], reauthenticate: Reauthenticate): Promise<string[]> {
    const checked = held.flatMap((connection) => {
      const opener = this.#openers.get(connection.channel);
      return opener ? [{ ...connection, opener }] : [];
    });
    if (checked.length === 0) return [];
    const rowsOf = new Map<string | null, LlmRow[]>();
    for (const row of await this.llms.listBySession(checked.map(({ sessionId }) => sessionId))) {
      rowsOf.set(row.providerSessionId, [...(rowsOf.get(row.providerSessionId) ?? []), row]);
    }
    // Connections opened with one header share one check.
    const principals = new Map<string | undefined, Promise<Principal | undefined>>();
    const principalOf = (authorization: string | undefined) => {
      let found = principals.get(authorization);
      if (!found) {
        found = reauthenticate(authorization).catch((error: unknown) => {
          if (error instanceof HttpError && error.statusCode === 401) return undefined;
          throw error;
        });
        principals.set(authorization, found);
      }
      return found;
    };
    const ended: string[] = [];
    await Promise.all(
      checked.map(async ({ sessionId, channel, opener }) => {
        const principal = await principalOf(opener.authorization);
        if (principal && principal.userId === opener.principal.userId && mayHold(principal, rowsOf.get(sessionId) ?? [])) return;
        // A connection that replaced it meanwhile was checked as it opened.
        if (await this.end({ sessionId, channel })) ended.push(sessionId);
      }),
    );
    return ended;
  }

  #endAtExpiry(connection: HeldConnection, expiresAt: number | null): void {
    if (expiresAt === null) return;
    const cancel = this.clock.after(Math.max(0, expiresAt - this.clock.now().getTime()), () => void this.end(connection));
    this.#expiries.set(connection.channel, cancel);
  }
}

function mayHold(principal: Principal, rows: readonly LlmRow[]): boolean {
  try {
    assertMayHold(principal, rows);
    return true;
  } catch (error) {
    if (error instanceof HttpError && error.statusCode === 403) return false;
    throw error;
  }
}
