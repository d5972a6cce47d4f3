import { z } from 'zod';

type Issue = Parameters<z.core.$ZodErrorMap>[0];

/**
 * What an invalid value is told, in plain words: `must not be empty`, `is required`, `unknown
 * field "name"`, `must be at most 100000`, instead of zod's `Too small: expected string to have
 * >=1 characters`. Every message a schema of this package sets itself still wins; an issue not
 * named here keeps zod's own words (undefined).
 */
export function plainIssueMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${article(issue.expected)}, not ${article(typeOf(issue.input))}`;
    case 'too_small':
      return bound(issue.origin, 'min', Number(issue.minimum), issue.inclusive !== false, issue.exact === true);
    case 'too_big':
      return bound(issue.origin, 'max', Number(issue.maximum), issue.inclusive !== false, issue.exact === true);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
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

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(type: string): string {
  if (type === 'null' || type === 'undefined') return type;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

z.config({ customError: plainIssueMessage });
