/**
 * Splits an SSE body, fed in pieces as they arrive, into the payloads of its `data:` frames. A
 * frame ends at a blank line; several `data:` lines of one frame are joined with newlines.
 */
export class SseDataReader {
  #pending = '';

  /** Feeds the next piece of the body; answers the payloads of the frames it completed. */
  feed(text: string): string[] {
    this.#pending += text;
    const payloads: string[] = [];
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.#pending);
      if (!match) return payloads;
      const frame = this.#pending.slice(0, match.index);
      this.#pending = this.#pending.slice(match.index + match[0].length);
      const data = frame
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length > 0) payloads.push(data.join('\n'));
    }
  }
}
