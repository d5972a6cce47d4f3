/**
 * The last `limit` characters of a growing text, at an amortised constant cost per piece: a child
 * under load may log thousands of lines a second, and re-slicing the whole kept text for each
 * line (about 0.35 ms for 1 MiB) would load the very process that measures it.
 */
export class OutputTail {
  #pieces: string[] = [];
  #length = 0;

  constructor(private readonly limit: number) {}

  add(text: string): void {
    this.#pieces.push(text);
    this.#length += text.length;
    if (this.#length > 2 * this.limit) this.#compact();
  }

  text(): string {
    this.#compact();
    return this.#pieces[0] ?? '';
  }

  #compact(): void {
    const text = this.#pieces.join('').slice(-this.limit);
    this.#pieces = [text];
    this.#length = text.length;
  }
}
