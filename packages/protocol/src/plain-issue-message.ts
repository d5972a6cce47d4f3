import { z } from 'zod';

type Issue = Parameters<z.core.$ZodErrorMap>[0];

/**
 * What an invalid value is told, in plain words: `must not be empty`, `is required`, `unknown
 * field "name"`, `must be at most 100000`, instead of zod's `Too small: expected string to have
 * >=1 characters`. Every message a schema of this package sets itself still wins; an issue not
 * named here keeps zod's own words (undefined).
 */
export function plainIssueMessage(issue: Issue): string | undefined {
  // zod does not guard its error map: whatever goes wrong here must not make a parse throw.
  try {
    return plainWords(issue);
  } catch {
    return undefined;
  }
}

function plainWords(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const expected = TYPE_NAMES[issue.expected];
      return expected === undefined ? undefined : `must be ${expected}, not ${article(typeOf(issue.input))}`;
    }
    case 'invalid_union':
      return issue.input === undefined ? 'is required' : undefined;
    case 'too_small':
      return bound(issue.origin, 'min', Number(issue.minimum), issue.inclusive !== false, issue.exact === true);
    case 'too_big':
      return bound(issue.origin, 'max', Number(issue.maximum), issue.inclusive !== false, issue.exact === true);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quoted(issue.values[0])}` : `must be one of ${issue.values.map(quoted).join(', ')}`;
    default:
      return undefined;
  }
}

function bound(origin: string, side: 'min' | 'max', limit: number, inclusive: boolean, exact: boolean): string | undefined {
  const unit = origin === 'string' ? 'character' : origin === 'array' || origin === 'set' ? 'item' : undefined;
  if (unit !== undefined) {
    const count = (value: number) => `${value} ${unit}${value === 1 ? '' : 's'}`;
    if (exact) return `must have exactly ${count(limit)}`;
    if (side === 'min' && limit === 1 && inclusive) return unit === 'character' ? 'must not be empty' : 'must have at least one item';
    if (side === 'min') return `must have at least ${count(inclusive ? limit : limit + 1)}`;
    return `must have at most ${count(inclusive ? limit : limit - 1)}`;
  }
  if (origin === 'number' || origin === 'int' || origin === 'bigint') {
    if (side === 'min') return inclusive ? `must be at least ${limit}` : `must be greater than ${limit}`;
    return inclusive ? `must be at most ${limit}` : `must be less than ${limit}`;
  }
  return undefined;
}

/** The types a value is expected as, as a sentence names them; one not here keeps zod's words. */
const TYPE_NAMES: Partial<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  date: 'a date',
  null: 'null',
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Number.isInteger(value) ? 'number' : 'fraction';
  return typeof value;
}

/** A value as a message shows it: JSON where it is JSON (a string quoted), as written otherwise (a bigint, a symbol). */
function quoted(value: unknown): string {
  if (typeof value === 'bigint') return `${value}`;
  if (typeof value === 'symbol') return value.toString();
  return JSON.stringify(value) ?? 'undefined';
}

function article(type: string): string {
  if (type === 'null' || type === 'undefined' || type === 'NaN') return type;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

z.config({ customError: plainIssueMessage });
