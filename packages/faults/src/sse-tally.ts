/** How a streamed answer ended, as a caller sees it. */
export type StreamEnd =
  /** `data: [DONE]` after the answer. */
  | 'done'
  /** An explicit `data: {"error": …}` frame. */
  | 'error-frame'
  /** The connection ended cleanly without `[DONE]` or an error frame: a silent gap. */
  | 'eof'
  /** The connection was reset or broke. */
  | 'reset'
  /** Still open when the caller stopped waiting. */
  | 'timeout';

/**
 * Reads an SSE body piece by piece and notes what a caller cares about: when the first byte and
 * the first comment came, when the first content came, whether `[DONE]` or an error frame came.
 */
export class SseTally {
  firstByteAt: number | undefined;
  firstCommentAt: number | undefined;
  firstContentAt: number | undefined;
  comments = 0;
  chunks = 0;
  text = '';
  finishReason: string | undefined;
  done = false;
  errorMessage: string | undefined;
  #buffer = '';

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** What the body said so far, in order. */
  add(text: string): void {
    if (text.length === 0) return;
    const at = this.now();
    this.firstByteAt ??= at;
    this.#buffer += text;
    const lines = this.#buffer.split(/\r?\n/);
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) this.#line(line, at);
  }

  /** The end as far as the frames tell it; `broken` when reading the body failed. */
  end(broken: boolean): StreamEnd {
    if (this.errorMessage !== undefined) return 'error-frame';
    if (this.done) return 'done';
    return broken ? 'reset' : 'eof';
  }

  #line(line: string, at: number): void {
    if (line.startsWith(':')) {
      this.comments += 1;
      this.firstCommentAt ??= at;
      return;
    }
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      this.errorMessage ??= `a frame that is not JSON: ${data.slice(0, 80)}`;
      return;
    }
    const error = (frame as { error?: unknown } | null)?.error;
    if (error !== undefined) {
      const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
      this.errorMessage ??= typeof message === 'string' ? message : JSON.stringify(error);
      return;
    }
    this.chunks += 1;
    const choice = (frame as { choices?: Array<{ delta?: { content?: unknown }; finish_reason?: unknown }> }).choices?.[0];
    const content = choice?.delta?.content;
    if (typeof content === 'string' && content.length > 0) {
      this.firstContentAt ??= at;
      this.text += content;
    }
    if (typeof choice?.finish_reason === 'string') this.finishReason = choice.finish_reason;
  }
}
