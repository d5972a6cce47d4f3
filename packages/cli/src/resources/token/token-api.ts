import { tokenViewSchema, type TokenView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';
import { wordList } from '../../format/word-list.js';
import { callerStatus, holdsAny } from '../caller-grants.js';
import { asNotFound } from '../not-found.js';
import { getUser } from '../user/user-api.js';

/** `user` picks whose token a name refers to; mcpd defaults to the caller. */
export function tokenPath(idOrName?: string, user?: string): string {
  if (idOrName === undefined) return '/api/v1/tokens';
  const query = user === undefined ? '' : `?user=${encodeURIComponent(user)}`;
  return `/api/v1/tokens/${encodeURIComponent(idOrName)}${query}`;
}

export function listTokens(client: ApiClient): Promise<TokenView[]> {
  return client.get(tokenPath(), tokenViewSchema.array());
}

/** `user`, when given, is named beside the token: the 404 may be theirs having none of that name. */
function asTokenNotFound(error: unknown, name: string, user: string | undefined): unknown {
  return asNotFound(error, 'token', user === undefined ? name : `${name} (user ${user})`, 'mcpctl get tokens');
}

/** The tokens among `tokens` named `name`, or with id `name`. */
function tokensNamed(tokens: readonly TokenView[], name: string): TokenView[] {
  return tokens.filter((token) => token.name === name || token.id === name);
}

function ownersOf(tokens: readonly TokenView[]): string[] {
  return [...new Set(tokens.map((token) => token.user))];
}

/**
 * A 404 for NAME without `--user`: mcpd looked among the caller's own tokens. When the caller can
 * see tokens of that name that are other users' (an admin), the hint names their owners and `--user`.
 */
export async function tokenNotFound(client: ApiClient, error: unknown, name: string, user: string | undefined): Promise<unknown> {
  const notFound = asTokenNotFound(error, name, user);
  if (!(notFound instanceof ApiError) || notFound.status !== 404) return notFound;
  // Another user's token: a user that is not there, or whose tokens the caller may not see, says so.
  if (user !== undefined) return assertMaySeeTokensOf(client, user).then(() => notFound, (refusal: unknown) => (isRefusal(refusal) ? refusal : notFound));
  const owners = await listTokens(client).then(
    (tokens) => ownersOf(tokensNamed(tokens, name)),
    // The hint is a courtesy: the 404 stands as it is when the list cannot be read.
    () => [],
  );
  return owners.length === 0 ? notFound : notYours(name, owners, error);
}

/** The caller has no token NAME, and `owners` (at least one) have one: the hint says to pick with `--user`. */
function notYours(name: string, owners: readonly string[], cause?: unknown): ApiError {
  const [only] = owners;
  const hint = owners.length === 1 ? `it is ${only ?? ''}'s: add --user ${only ?? 'USER'}` : `${wordList(owners)} have tokens named ${name}: add --user USER`;
  return new ApiError(404, `you have no token ${name}`, { hint, cause });
}

/**
 * The token named NAME (or with id NAME) among those the caller sees: `user`'s when given, else
 * the caller's own, as `delete token NAME` means it. A 404 when there is none; when only other
 * users have one of that name, its hint names them and `--user`.
 */
export async function findToken(client: ApiClient, name: string, user: string | undefined): Promise<TokenView> {
  const named = tokensNamed(await listTokens(client), name);
  // An id names one token whoever holds it: it needs no --user.
  const byId = named.find((candidate) => candidate.id === name && (user === undefined || candidate.user === user));
  if (byId !== undefined) return byId;
  const owner = user ?? (named.length > 0 ? (await client.status()).user.name : undefined);
  const token = named.find((candidate) => candidate.user === owner);
  if (token !== undefined) return token;
  if (user === undefined && named.length > 0) throw notYours(name, ownersOf(named));
  const notFound = asTokenNotFound(new ApiError(404, `not found: ${name}`), name, user);
  if (user !== undefined) {
    await assertMaySeeTokensOf(client, user).catch((refusal: unknown) => {
      if (isRefusal(refusal)) throw refusal;
    });
  }
  throw notFound;
}

/** Fails when `user` is not the caller and is unknown to it, or its tokens are hidden from it. */
export async function assertMaySeeTokensOf(client: ApiClient, user: string): Promise<void> {
  const caller = await callerStatus(client);
  if (user === caller.name) return;
  if (holdsAny(caller, 'view:users') === false) {
    throw new ApiError(403, `you see only your own tokens: ${user}'s need view:users`, { hint: "'mcpctl status' lists your grants" });
  }
  await getUser(client, user);
}

/** A refusal about the user asked for (not there, or not the caller's to see), as against a failure to ask: only it replaces a "not found". */
function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 403 || error.status === 404);
}
