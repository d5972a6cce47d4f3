/**
 * The first `maxChars` of `text`, for masking and then cutting again: a long text is masked no
 * further than it is kept. A secret the cut splits would match no mask, so its front goes with
 * the rest (and so does a front of its URL-encoded form). Secrets found by pattern need no such
 * care: their front still matches.
 */
export function cutBeforeMasking(text: string, maxChars: number, secrets: ReadonlyArray<string | null | undefined>): string {
  if (text.length <= maxChars) return text;
  let cut = text.slice(0, maxChars);
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) cut = withoutFrontAtEnd(cut, form);
  }
  return cut;
}

/** `text` without the longest front of `secret` it ends with. */
function withoutFrontAtEnd(text: string, secret: string): string {
  for (let length = Math.min(secret.length - 1, text.length); length > 0; length -= 1) {
    if (text.endsWith(secret.slice(0, length))) return text.slice(0, text.length - length);
  }
  return text;
}
