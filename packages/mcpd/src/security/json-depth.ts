/** The deepest nesting of arrays and objects a JSON body (or a provider socket message) may have. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, found by scanning the
 * bytes before anything parses them: parsing four million nested brackets holds the event loop
 * for seconds, while this scan stops at the first bracket past the limit. Text that is not
 * JSON at all may answer either way; the parser refuses it next.
 */
export function exceedsJsonDepth(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  const length = bytes.length;
  for (let index = 0; index < length; index += 1) {
    const byte = bytes[index];
    if (byte === QUOTE) index = endOfString(bytes, index);
    else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth -= 1;
  }
  return false;
}

/** Strings shorter than this are stepped through; longer ones are crossed quote to quote. */
const SHORT_STRING_BYTES = 64;

/** The index of the quote closing the string opened at `start` (the end of the text if none). */
function endOfString(bytes: Uint8Array, start: number): number {
  let index = start + 1;
  const stepUntil = Math.min(bytes.length, index + SHORT_STRING_BYTES);
  for (; index < stepUntil; index += 1) {
    const byte = bytes[index];
    if (byte === BACKSLASH) index += 1;
    else if (byte === QUOTE) return index;
  }
  for (;;) {
    const quote = bytes.indexOf(QUOTE, index);
    if (quote < 0) return bytes.length;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes += 1;
    // An even run of backslashes escapes itself, not the quote.
    if (backslashes % 2 === 0) return quote;
    index = quote + 1;
  }
}
