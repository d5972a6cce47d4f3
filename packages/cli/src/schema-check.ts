/**
 * The slice of a zod schema the CLI uses. Typing against it keeps the CLI on the protocol
 * package's schemas without a direct dependency on zod.
 */
export interface Schema<T> {
  safeParse(input: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** Validates `input`, or returns every problem as `path: message`, joined with "; ". */
export function checkSchema<T>(schema: Schema<T>, input: unknown): { ok: true; value: T } | { ok: false; problems: string } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.map(String).join('.')}: ${issue.message}`))
    .join('; ');
  return { ok: false, problems };
}
