import { closestName, type mcplocalConfigSchema } from '@mcpctl/protocol';

type SchemaIssue = NonNullable<ReturnType<(typeof mcplocalConfigSchema)['safeParse']>['error']>['issues'][number];

/** As much of a zod schema as finding its keys needs: objects, arrays, unions and wrappers (optional, default). */
interface SchemaNode {
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  options?: readonly SchemaNode[];
  unwrap?: () => SchemaNode;
  /** A literal's values (`type: 'http'`), which pick a union's option. */
  values?: ReadonlySet<unknown>;
}

/** `['providers', 1, 'url']` → `providers[1].url`. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/**
 * One line per problem, `FILE: KEY.PATH: what is wrong`, in words a person editing the file acts
 * on; `schema`, when given, names the key an unknown one looks like (`visiblity`: did you mean
 * `visibility`?), among the keys of the union option `input` picks where it picks one.
 */
export function schemaProblems(file: string, issues: readonly SchemaIssue[], schema?: object, input?: unknown): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = schema === undefined ? [] : keysAt(schema, issue.path, input);
      return issue.keys.map((key) => {
        const meant = closestName(key, known);
        return `${file}: ${keyPath([...issue.path, key])}: unknown key${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
      });
    }
    const path = keyPath(issue.path);
    const described = describeIssue(issue);
    // A key left out is missing, whatever the value it should have had: said so first.
    const missing = input !== undefined && issue.path.length > 0 && valueAt(input, issue.path) === undefined && described.startsWith('must be one of');
    return [`${file}: ${path === '' ? '' : `${path}: `}${missing ? `is required: it ${described}` : described}`];
  });
}

/** Protocol's plain messages (`is required`, `must not be empty`), and the few a config file words its own way. */
function describeIssue(issue: SchemaIssue): string {
  switch (issue.code) {
    case 'invalid_format':
      return issue.format === 'url' ? 'must be an http:// or https:// URL (a host, and a port from 1 to 65535 if any)' : issue.message;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union': {
      // A discriminated union names the values its discriminator takes.
      const options = (issue as { options?: unknown }).options;
      return Array.isArray(options) ? `must be one of ${options.map((value) => JSON.stringify(value)).join(', ')}` : issue.message;
    }
    default:
      return issue.message;
  }
}

/**
 * The keys the objects at `path` of `schema` take: of the union options whose literal fields
 * `input` matches there (a wake recipe's `type`), or of every option when it matches none.
 */
function keysAt(schema: SchemaNode, path: ReadonlyArray<PropertyKey>, input: unknown): string[] {
  let value = input;
  let nodes = expand([schema], value);
  for (const key of path) {
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    const next = nodes.flatMap((node) => (typeof key === 'number' ? (node.element ? [node.element] : []) : typeof key === 'string' && node.shape?.[key] ? [node.shape[key]] : []));
    nodes = expand(next, value);
  }
  return [...new Set(nodes.flatMap((node) => Object.keys(node.shape ?? {})))];
}

/** Wrappers taken off, unions opened into the options `value` matches (all of them when it matches none). */
function expand(nodes: readonly SchemaNode[], value: unknown): SchemaNode[] {
  return nodes.map(bare).flatMap((node) => {
    if (!Array.isArray(node.options)) return [node];
    const options = node.options.map(bare);
    const matching = options.filter((option) => literalsMatch(option, value));
    return matching.length > 0 ? matching : options;
  });
}

/** Whether `value` has every literal field of `option` with one of its values; false when `option` has none. */
function literalsMatch(option: SchemaNode, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || option.shape === undefined) return false;
  const literals = Object.entries(option.shape).filter(([, field]) => field.values instanceof Set);
  return literals.length > 0 && literals.every(([key, field]) => field.values?.has((value as Record<string, unknown>)[key]) === true);
}

function bare(node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; depth < 8 && current.shape === undefined && current.element === undefined && typeof current.unwrap === 'function'; depth += 1) {
    current = current.unwrap();
  }
  return current;
}

/** The value at `path` in `input`; undefined where the path leads nowhere. */
function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}
