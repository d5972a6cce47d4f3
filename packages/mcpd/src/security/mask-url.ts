const MASK = '***';

/** Query parameters whose value is a credential: signed URLs, key-in-URL APIs. */
const SECRET_PARAMETER =
  /^(?:key|api[-_]?key|apikey|token|access[-_]?token|auth|auth[-_]?token|secret|client[-_]?secret|password|passwd|pwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|code)$/i;

/** `scheme://user:pass@` and `scheme://token@` in free text. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** `?name=value` / `&name=value` in free text. */
const QUERY_PARAMETER = /([?&;])([^=&\s#"'<>]+)=([^&\s#"'<>]*)/g;

/**
 * An LLM's URL as views show it: `user:pass@` and the values of secret-looking query parameters
 * become `***`. The stored URL is unchanged and still used for calls. A string that is not a
 * URL is masked as text.
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return maskUrlsInText(url);
  }
  let changed = false;
  if (parsed.username || parsed.password) {
    parsed.username = parsed.username ? MASK : '';
    parsed.password = parsed.password ? MASK : '';
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) {
      parsed.searchParams.set(name, MASK);
      changed = true;
    }
  }
  // Unchanged URLs stay byte for byte as stored (URL would normalize them).
  return changed ? parsed.toString().replaceAll(encodeURIComponent(MASK), MASK) : url;
}

/** The same masking for every URL inside a longer text (an error message quoting one). */
export function maskUrlsInText(text: string): string {
  return text
    .replace(URL_USERINFO, (_match, scheme: string) => `${scheme}${MASK}@`)
    .replace(QUERY_PARAMETER, (match, separator: string, name: string) =>
      SECRET_PARAMETER.test(name) ? `${separator}${name}=${MASK}` : match,
    );
}

/** What `restoreMaskedUrl` made of a URL that may carry a view's masks. */
export interface RestoredUrl {
  url: string;
  /** The masked parts the stored URL had no value for (`password`, `query parameter api_key`). */
  unknown: string[];
}

/**
 * A URL sent back with a view's masks in it (an edited document that also changed the host, or
 * one copied under a new name): each `***` where `maskUrl` puts one takes the stored URL's value
 * again, so a mask is never stored as the credential. A URL without masks comes back as it is.
 */
export function restoreMaskedUrl(url: string, stored: string | null): RestoredUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, unknown: [] };
  }
  const secretNames = [...parsed.searchParams.keys()].filter((name) => SECRET_PARAMETER.test(name) && parsed.searchParams.get(name) === MASK);
  if (parsed.username !== MASK && parsed.password !== MASK && secretNames.length === 0) return { url, unknown: [] };
  let previous: URL | undefined;
  try {
    previous = stored === null ? undefined : new URL(stored);
  } catch {
    previous = undefined;
  }
  const unknown: string[] = [];
  if (parsed.username === MASK) {
    if (previous?.username) parsed.username = previous.username;
    else unknown.push('user name');
  }
  if (parsed.password === MASK) {
    if (previous?.password) parsed.password = previous.password;
    else unknown.push('password');
  }
  if (secretNames.length > 0) {
    // Pair by pair as written: re-encoding the rest of the query would break a signed URL.
    const storedPairs = new Map((previous?.search.slice(1).split('&') ?? []).map((pair) => [pairName(pair), pair]));
    const pairs = parsed.search.slice(1).split('&').map((pair) => {
      const name = pairName(pair);
      if (!secretNames.includes(name) || pair.slice(pair.indexOf('=') + 1) !== MASK) return pair;
      const restored = storedPairs.get(name);
      if (restored === undefined || !restored.includes('=')) unknown.push(`query parameter ${name}`);
      return restored ?? pair;
    });
    parsed.search = pairs.join('&');
  }
  return { url: parsed.toString(), unknown };
}

function pairName(pair: string): string {
  const end = pair.indexOf('=');
  const raw = end < 0 ? pair : pair.slice(0, end);
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}
