import type { mcplocalConfigSchema } from '@mcpctl/protocol';

type SchemaIssue = NonNullable<ReturnType<(typeof mcplocalConfigSchema)['safeParse']>['error']>['issues'][number];

/** `['providers', 1, 'url']` → `providers[1].url`. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/** One line per problem, `FILE: KEY.PATH: what is wrong`, in words a person editing the file acts on. */
export function schemaProblems(file: string, issues: readonly SchemaIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${file}: ${keyPath([...issue.path, key])}: unknown key`);
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
