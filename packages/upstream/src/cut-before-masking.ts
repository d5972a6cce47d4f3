/** The most of a word a cut may split that is dropped with the rest (a URL, a token, an address). */
const SPLIT_WORD_MAX_CHARS = 2048;

/**
 * The first `maxChars` of `text`, for masking and then cutting again: a long text is masked no
 * further than it is kept. What the cut splits would match no mask, or only part of one (a URL's
 * credentials need their `@`, a token its length), so the word the cut ends in goes with the
 * rest, up to {@link SPLIT_WORD_MAX_CHARS}, and so does a front of any of `secrets` (as written
 * or URL-encoded) the text then ends with, until none does.
 */
export function cutBeforeMasking(text: string, maxChars: number, secrets: ReadonlyArray<string | null | undefined>): string {
  if (text.length <= maxChars) return text;
  let cut = text.slice(0, maxChars);
  const split = new RegExp(`\\S{1,${SPLIT_WORD_MAX_CHARS}}$`).exec(cut);
  if (split) cut = cut.slice(0, split.index);
  const forms = secrets.flatMap((secret) => (secret ? [...new Set([secret, encodeURIComponent(secret)])] : []));
  // Dropping one secret's front may bare another's (they may overlap): again until nothing changes,
  // each secret once at most more than there are of them.
  for (let changed = true, pass = 0; changed && pass <= forms.length; pass += 1) {
    changed = false;
    for (const form of forms) {
      const shorter = withoutFrontAtEnd(cut, form);
      if (shorter !== cut) {
        cut = shorter;
        changed = true;
      }
    }
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
