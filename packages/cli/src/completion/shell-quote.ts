/** A POSIX single-quoted word (bash, zsh): `it's` → `'it'\''s'`. */
export function singleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word: inside single quotes fish reads `\'` and `\\` as escapes. */
export function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The program name as part of a shell function name. */
export function functionStem(program: string): string {
  return program.replace(/[^A-Za-z0-9_]/g, '_');
}
