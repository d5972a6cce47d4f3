/** How a refusal of input for a named resource begins: `invalid user alice`, or `invalid user` when the name is empty. */
export function invalidNamed(kind: string, name: string): string {
  return name ? `invalid ${kind} ${name}` : `invalid ${kind}`;
}
