import { decodeLeniently } from '@mcpctl/protocol';
import { basicToken } from '@mcpctl/upstream';
import { joinRawUrl, pairName, pairValue, splitRawUrl, type RawUrl } from './raw-url.js';

const MASK = '***';

/**
 * Query parameters whose value is a credential: signed URLs, key-in-URL APIs. Part of how a
 * public LLM's URL is stored (`url` masked by it, the whole URL sealed beside it): a replica
 * restores a view's `***` by this list, so a changed list would leave rows written by another
 * version with masks it does not restore. mcplocal's looser rule masks text only.
 */
const SECRET_PARAMETER =
  /^(?:key|api[-_]?key|apikey|token|access[-_]?token|auth|auth[-_]?token|secret|client[-_]?secret|password|passwd|pwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|code)$/i;

/**
 * `scheme://user:pass@` and `scheme://token@` in free text. The scheme is bounded (none is longer)
 * so that text of scheme characters without `://` (`a.a.a.…`) costs each start 32 steps, not the
 * rest of the text: unbounded, a long error text took seconds. It may start anywhere, so letters
 * glued before a URL (`xxxhttps://user:pass@`) do not hide it.
 */
const URL_USERINFO = /([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#@"'<>]+@/gi;
/** `?name=value` / `&name=value` in free text; a name holds no `?`, so `?a?a?a…` is read once, not from every `?`. */
const QUERY_PARAMETER = /([?&;])([^=&;?\s#"'<>]+)=([^&\s#"'<>]*)/g;

/**
 * An LLM's URL as views show it: `user:pass@` and the values of secret-looking query parameters
 * become `***`, and every other character stays as stored. The stored URL is unchanged and
 * still used for calls. A string that is not a URL is masked as text.
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return maskUrlsInText(url);
  }
  const raw = splitRawUrl(url);
  const masked = raw === undefined ? undefined : maskRaw(raw);
  // A URL the parser reads otherwise than it is written (`http:\\user:pass@host`) is masked as parsed.
  if (masked === undefined || secretsOf(parsed).some((secret) => masked.includes(secret))) return maskParsed(parsed);
  return masked;
}

/** The URL as written with its credentials masked: the same text when it has none. */
function maskRaw(raw: RawUrl): string {
  return joinRawUrl({
    ...raw,
    user: raw.user ? MASK : raw.user,
    password: raw.password ? MASK : raw.password,
    pairs: raw.pairs?.map((pair) => (isSecretPair(pair) ? `${pair.slice(0, pair.indexOf('='))}=${MASK}` : pair)),
  });
}

/** Masking through the parsed URL, which prints it back normalized. */
function maskParsed(parsed: URL): string {
  if (parsed.username) parsed.username = MASK;
  if (parsed.password) parsed.password = MASK;
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, MASK);
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/** The user name, password and secret query values a parsed URL holds. */
function secretsOf(parsed: URL): string[] {
  const values = [parsed.username, parsed.password, ...[...parsed.searchParams].filter(([name]) => SECRET_PARAMETER.test(name)).map(([, value]) => value)];
  return values.filter((value) => value !== '' && value !== MASK);
}

/** A `;name=` inside a pair's value: a pair of its own to servers that honour the old separator. */
const SEMICOLON_PAIR = /;([^=&;\s#"'<>]+)=/g;

/**
 * The secret parameter a URL puts behind a `;` (`?model=x;api_key=…`, `?stream;token=…`), as
 * written or as the URL parser prints it; undefined when there is none. Such a pair is one to
 * URL parsers and two to servers that honour the old separator, so views could neither mask it
 * nor restore it without guessing: mcpd refuses a new URL holding one (see docs/decisions.md).
 */
export function secretBehindSemicolon(url: string): string | undefined {
  const pairs = [...(splitRawUrl(url)?.pairs ?? [])];
  try {
    pairs.push(...new URL(url).search.slice(1).split('&'));
  } catch {
    // Not a URL: nothing is sent anywhere, and the schema refuses it.
  }
  for (const pair of pairs) {
    // A secret pair's whole value, `;` pairs and all, shows as `***` already.
    if (isSecretPair(pair)) continue;
    for (const inner of pair.matchAll(SEMICOLON_PAIR)) {
      const name = decodeLeniently((inner[1] ?? '').replaceAll('+', ' '));
      if (SECRET_PARAMETER.test(name)) return name;
    }
  }
  return undefined;
}

/**
 * The same masking for every URL inside a longer text (an error message quoting one). A secret
 * pair's value is masked up to the next `&`, and a secret pair behind a `;` in another pair's
 * value from its `=` on, so neither reading of a `;` (a separator, or part of the value) leaves
 * a piece of the secret. Text only: the stored form of an LLM's URL keeps `maskUrl`'s rule.
 */
export function maskUrlsInText(text: string): string {
  return text
    .replace(URL_USERINFO, (_match, scheme: string) => `${scheme}${MASK}@`)
    .replace(QUERY_PARAMETER, (match, separator: string, name: string, value: string) => {
      if (SECRET_PARAMETER.test(name)) return `${separator}${name}=${MASK}`;
      for (const inner of value.matchAll(SEMICOLON_PAIR)) {
        if (SECRET_PARAMETER.test(inner[1] ?? '')) return `${separator}${name}=${value.slice(0, (inner.index ?? 0) + inner[0].length)}${MASK}`;
      }
      return match;
    });
}

/** What `restoreMaskedUrl` made of a URL that may carry a view's masks. */
export interface RestoredUrl {
  url: string;
  /** The masked parts no stored value may replace (`password`, `query parameter api_key`). */
  unknown: string[];
  /** The URL names another server than the stored one, whose values therefore stay unused. */
  otherServer: boolean;
}

/**
 * A URL sent back with a view's masks in it (an edited document): each `***` where `maskUrl`
 * puts one takes the stored URL's value again, so a mask is never stored as the credential.
 * Only for the same scheme, host and port: the stored values are never sent to another server
 * than the one they were given for. A URL without masks, or the view's URL sent back as it was,
 * keeps its text byte for byte.
 */
export function restoreMaskedUrl(url: string, stored: string | null): RestoredUrl {
  const raw = splitRawUrl(url);
  if (!raw || !hasMask(raw)) return { url, unknown: [], otherServer: false };
  if (stored !== null && url === maskUrl(stored)) return { url: stored, unknown: [], otherServer: false };
  const previous = stored === null ? undefined : splitRawUrl(stored);
  const otherServer = previous !== undefined && !sameServer(url, stored ?? '');
  const from = otherServer ? undefined : previous;
  const unknown: string[] = [];
  if (raw.user !== undefined && isMask(raw.user)) {
    if (from?.user) raw.user = from.user;
    else unknown.push('user name');
  }
  if (raw.password !== undefined && isMask(raw.password)) {
    if (from?.password) raw.password = from.password;
    else unknown.push('password');
  }
  // Pairs of one name are matched in order: a signed URL may repeat a parameter.
  const taken = new Map<string, number>();
  raw.pairs = raw.pairs?.map((pair) => {
    const name = pairName(pair);
    if (!SECRET_PARAMETER.test(name)) return pair;
    const nth = taken.get(name) ?? 0;
    taken.set(name, nth + 1);
    const value = pairValue(pair);
    if (value === undefined || !isMask(value)) return pair;
    const same = from?.pairs?.filter((each) => pairName(each) === name && pairValue(each));
    const restored = same?.[nth];
    if (restored === undefined) unknown.push(`query parameter ${name}`);
    return restored ?? pair;
  });
  return { url: joinRawUrl(raw), unknown: [...new Set(unknown)], otherServer };
}

/**
 * `url` (a view's, masked) without the parts a mask stands in for: the user info when any of it
 * is `***`, and each secret query pair whose value is. For a URL whose sealed original is lost:
 * a call then sends nothing rather than a literal `***` as a credential.
 */
export function withoutMasks(url: string): string {
  const raw = splitRawUrl(url);
  if (!raw || !hasMask(raw)) return url;
  if ((raw.user !== undefined && isMask(raw.user)) || (raw.password !== undefined && isMask(raw.password))) {
    raw.user = undefined;
    raw.password = undefined;
  }
  // Only where the view masks: a secret-looking name's value (another pair's `***` was written so).
  const pairs = raw.pairs?.filter((pair) => {
    const value = pairValue(pair);
    return value === undefined || !isMask(value) || !SECRET_PARAMETER.test(pairName(pair));
  });
  raw.pairs = pairs === undefined || pairs.length === 0 ? undefined : pairs;
  return joinRawUrl(raw);
}

const secretsByUrl = new Map<string, string[]>();
/** Upstream URLs are a handful per LLM; more than this and the memo starts again. */
const MAX_REMEMBERED_URLS = 1000;

/**
 * The credentials a URL carries, decoded: its user name and password and its secret query
 * values, for the sanitizer to mask wherever an upstream quotes them. Read once per URL.
 */
export function urlSecrets(url: string | null): readonly string[] {
  if (url === null) return [];
  let secrets = secretsByUrl.get(url);
  if (!secrets) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    secrets = parsed === undefined ? [] : [...secretsOf(parsed).map(decodeLeniently), ...sentBasicToken(parsed)];
    if (secretsByUrl.size >= MAX_REMEMBERED_URLS) secretsByUrl.clear();
    secretsByUrl.set(url, secrets);
  }
  return secrets;
}

/** The Basic credentials mcpd sends for the URL's user info: a server may quote them back bare. */
function sentBasicToken(parsed: URL): string[] {
  const token = basicToken(parsed);
  return token === undefined ? [] : [token];
}

/** A pair naming a secret parameter, with a value. */
function isSecretPair(pair: string): boolean {
  return !!pairValue(pair) && SECRET_PARAMETER.test(pairName(pair));
}

/** `***`, also written as `%2A%2A%2A`. */
function isMask(text: string): boolean {
  return text === MASK || decodeLeniently(text) === MASK;
}

function hasMask(raw: RawUrl): boolean {
  if ((raw.user !== undefined && isMask(raw.user)) || (raw.password !== undefined && isMask(raw.password))) return true;
  return raw.pairs?.some((pair) => SECRET_PARAMETER.test(pairName(pair)) && isMask(pairValue(pair) ?? '')) ?? false;
}

/** Same scheme, host and port: where a stored secret may still be sent. Unparsable URLs are never the same server. */
export function sameServer(left: string, right: string): boolean {
  try {
    return new URL(left).origin === new URL(right).origin;
  } catch {
    return false;
  }
}
