import type { TerminalStream } from '../context.js';
import { visible } from '../printer.js';

const DIM = '\u001b[2m';
const NORMAL = '\u001b[22m';

/**
 * Writes an answer to stdout as it arrives. Reasoning deltas are shown dimmed on a
 * terminal and left out when stdout is a pipe or file: whoever reads that output wants
 * the answer, and reasoning text would corrupt it (the status line and summary still
 * count the thinking phase). On a terminal, control characters in the model's text are written
 * out (`\x1b`): a model, or a prompt injected into it, must not clear the screen or write to the
 * clipboard; a pipe gets the text as the model wrote it.
 */
export class AnswerWriter {
  readonly #out: TerminalStream;
  readonly #terminal: boolean;
  #dimmed = false;
  #wroteAnything = false;
  #endsWithNewline = true;

  constructor(out: TerminalStream) {
    this.#out = out;
    this.#terminal = out.isTTY === true;
  }

  reasoning(text: string): void {
    if (!this.#terminal || text === '') return;
    if (!this.#dimmed) {
      this.#out.write(DIM);
      this.#dimmed = true;
    }
    this.#write(text);
  }

  content(text: string): void {
    if (text === '') return;
    if (this.#dimmed) {
      this.#out.write(NORMAL);
      this.#dimmed = false;
      // The answer starts on its own paragraph below the thinking.
      this.#write(this.#endsWithNewline ? '\n' : '\n\n');
    }
    this.#write(text);
  }

  /** Resets the style and ends the last line, so the prompt or the shell starts on a fresh one. */
  end(): void {
    if (this.#dimmed) {
      this.#out.write(NORMAL);
      this.#dimmed = false;
    }
    if (this.#wroteAnything && !this.#endsWithNewline) this.#out.write('\n');
    this.#wroteAnything = false;
    this.#endsWithNewline = true;
  }

  #write(text: string): void {
    // A line end written CRLF is a line end, not a control character to show.
    this.#out.write(this.#terminal ? visible(text.replace(/\r\n/g, '\n')) : text);
    this.#wroteAnything = true;
    this.#endsWithNewline = text.endsWith('\n');
  }
}
