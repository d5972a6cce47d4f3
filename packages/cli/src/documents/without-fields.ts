/** A copy of a document's fields without the named ones (the server-managed fields `get -o yaml` prints). */
export function withoutFields(fields: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([field]) => !names.includes(field)));
}
