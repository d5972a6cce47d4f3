/**
 * Scheme, user info and host of `url`: its origin, but with the `user:pass@` an origin leaves
 * out, so the HTTP call can still send them as Basic authorization.
 */
export function urlRoot(url: URL): string {
  if (!url.username && !url.password) return url.origin;
  return `${url.protocol}//${url.username}${url.password ? `:${url.password}` : ''}@${url.host}`;
}
