/** `text` parsed as JSON, or `undefined` when it is not JSON: for answers a schema checks next. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
