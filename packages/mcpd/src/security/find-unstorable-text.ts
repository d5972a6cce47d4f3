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
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  const found = search(value);
  return found && { path: found.path.reverse().join('.'), problem: found.problem };
}

/** The path comes back leaf first, so nothing is allocated on the way down. */
function search(value: unknown): { path: Array<string | number>; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem === undefined ? undefined : { path: [], problem };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = search(value[index]);
      if (found) {
        found.path.push(index);
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const keyProblem = problemOf(key);
    if (keyProblem !== undefined) return { path: [], problem: `a key ${keyProblem}` };
    const found = search((value as Record<string, unknown>)[key]);
    if (found) {
      found.path.push(key);
      return found;
    }
  }
  return undefined;
}

function problemOf(text: string): string | undefined {
  if (text.includes(NUL)) return 'contains a NUL character (\\u0000)';
  if (!isWellFormed(text)) return 'is not valid Unicode (an unpaired surrogate)';
  return undefined;
}

/** `String.prototype.isWellFormed` (Node 20), which the ES2023 typings do not know yet. */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
