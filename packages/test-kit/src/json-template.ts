/** Stands where a token goes in a frame serialised once per request. */
export const TEMPLATE_HOLE = '\u0000hole\u0000';

const QUOTED_HOLE = JSON.stringify(TEMPLATE_HOLE);

/**
 * Splits the JSON of a frame around its hole, so each token's frame costs two string
 * concatenations instead of a JSON.stringify: the fake must stay far cheaper than what it measures.
 */
export function splitAtHole(json: string): [before: string, after: string] {
  const at = json.indexOf(QUOTED_HOLE);
  if (at < 0) throw new Error('the frame template has no hole');
  return [json.slice(0, at), json.slice(at + QUOTED_HOLE.length)];
}

const encoded = new WeakMap<readonly string[], readonly string[]>();

/** Each token as a JSON string literal; remembered for the fixed answer, which every request shares. */
export function encodeTokens(tokens: readonly string[]): readonly string[] {
  let result = encoded.get(tokens);
  if (!result) {
    result = tokens.map((token) => JSON.stringify(token));
    encoded.set(tokens, result);
  }
  return result;
}
