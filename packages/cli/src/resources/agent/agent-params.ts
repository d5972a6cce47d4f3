import { InvalidArgumentError } from 'commander';

/**
 * One `--param key=value` added to those before it. The value is read as JSON when it
 * parses (`temperature=0.2` is a number, `stop=["x"]` an array, `seed=null` null), else
 * it is the text as written (`reasoning_effort=high`). A later value of a key wins.
 */
export function parseParam(text: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const separator = text.indexOf('=');
  const key = separator < 0 ? '' : text.slice(0, separator).trim();
  if (key === '') throw new InvalidArgumentError('expected key=value, e.g. temperature=0.2');
  return { ...previous, [key]: parseParamValue(text.slice(separator + 1)) };
}

function parseParamValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `temperature=0.2,stop=["x"]`: parameters as one table cell, in the syntax `--param` reads. */
export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === 'string' && !looksLikeJson(value) ? value : JSON.stringify(value)}`)
    .join(',');
}

/** A string that `--param` would read back as something else (`"0.2"`, `"true"`) is shown quoted. */
function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
