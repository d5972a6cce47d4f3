import { closestName, type mcplocalConfigSchema } from '@mcpctl/protocol';

type SchemaIssue = NonNullable<ReturnType<(typeof mcplocalConfigSchema)['safeParse']>['error']>['issues'][number];

/** As much of a zod schema as finding its keys needs: objects, arrays, unions and wrappers (optional, default). */
interface SchemaNode {
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  options?: readonly SchemaNode[];
  unwrap?: () => SchemaNode;
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
 * `visibility`?).
 */
export function schemaProblems(file: string, issues: readonly SchemaIssue[], schema?: object): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = schema === undefined ? [] : keysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const meant = closestName(key, known);
        return `${file}: ${keyPath([...issue.path, key])}: unknown key${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
      });
    }
    const path = keyPath(issue.path);
    return [`${file}: ${path === '' ? '' : `${path}: `}${describeIssue(issue)}`];
  });
}

function describeIssue(issue: SchemaIssue): string {
  switch (issue.code) {
    case 'invalid_format':
      return issue.format === 'url' ? 'must be an http(s) URL' : issue.message;
    case 'invalid_type':
      if (issue.message.endsWith('received undefined')) return 'is required';
      return issue.message.replace(/^Invalid input: /, '');
    case 'too_small':
      return issue.origin === 'string' && issue.minimum === 1 ? 'must not be empty' : issue.message;
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

/** The keys the objects at `path` of `schema` take, every option of a union's. */
function keysAt(schema: SchemaNode, path: ReadonlyArray<PropertyKey>): string[] {
  let nodes = expand([schema]);
  for (const key of path) {
    nodes = expand(nodes.flatMap((node) => (typeof key === 'number' ? (node.element ? [node.element] : []) : typeof key === 'string' && node.shape?.[key] ? [node.shape[key]] : [])));
  }
  return [...new Set(nodes.flatMap((node) => Object.keys(node.shape ?? {})))];
}

/** Wrappers taken off, unions opened into their options. */
function expand(nodes: readonly SchemaNode[]): SchemaNode[] {
  return nodes.map(bare).flatMap((node) => (Array.isArray(node.options) ? node.options.map(bare) : [node]));
}

function bare(node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; depth < 8 && current.shape === undefined && current.element === undefined && typeof current.unwrap === 'function'; depth += 1) {
    current = current.unwrap();
  }
  return current;
}
