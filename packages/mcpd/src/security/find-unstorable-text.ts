/** Where a parsed value holds text mcpd cannot store or pass on, and why. */
export interface UnstorableText {
  /** Dotted path of the offending string or key (`messages.0.content`); empty for the value itself. */
  path: string;
  problem: string;
}

const NUL = '\u0000';

/**
 * Finds the first string (value or key) with a NUL character or an unpaired surrogate.
 * PostgreSQL refuses both in text and JSON, so letting them through turns into a 500 after
 * the work is done (a thread insert after the inference ran); an upstream model gets nothing
 * useful from them either. The walk assumes a bounded depth (see `exceedsJsonDepth`).
 */
export function findUnstorableText(value: unknown, path: Array<string | number> = []): UnstorableText | undefined {
  if (typeof value === 'string') return problemOf(value, path);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findUnstorableText(value[index], [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, entry] of Object.entries(value)) {
      const keyProblem = problemOf(key, path);
      if (keyProblem) return { path: keyProblem.path, problem: `a key ${keyProblem.problem}` };
      const found = findUnstorableText(entry, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

function problemOf(text: string, path: Array<string | number>): UnstorableText | undefined {
  if (text.includes(NUL)) return { path: path.join('.'), problem: 'contains a NUL character (\\u0000)' };
  if (!isWellFormed(text)) return { path: path.join('.'), problem: 'is not valid Unicode (an unpaired surrogate)' };
  return undefined;
}

/** `String.prototype.isWellFormed` (Node 20), which the ES2023 typings do not know yet. */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
