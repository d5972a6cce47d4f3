/** `a`, `a and b`, `a, b and c`: names in a sentence. */
export function wordList(names: readonly string[]): string {
  const last = names.at(-1);
  if (last === undefined) return '';
  return names.length === 1 ? last : `${names.slice(0, -1).join(', ')} and ${last}`;
}
