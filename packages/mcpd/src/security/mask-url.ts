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
