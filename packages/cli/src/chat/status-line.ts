import type { TerminalStream } from '../context.js';

/** A line of live information kept apart from the streamed answer. */
export interface StatusLine {
  /** Whether the line is visible at all (stderr is a terminal). */
  readonly visible: boolean;
  start(): void;
  update(text: string): void;
  /** Removes the line and gives the terminal back as it was. Safe to call twice. */
  stop(): void;
}

const ESC = '\u001b';
const SAVE_CURSOR = `${ESC}7`;
const RESTORE_CURSOR = `${ESC}8`;
const CLEAR_LINE = `${ESC}[2K`;
const RESET_SCROLL_REGION = `${ESC}[r`;
const DIM = `${ESC}[2m`;
const NORMAL = `${ESC}[22m`;

/**
 * Picks how to show the status line:
 * - stdout and stderr on the terminal: pin it to the bottom row, below a scroll region the
 *   answer scrolls in;
 * - stderr on the terminal, stdout piped: redraw it in place on stderr (`\r`);
 * - both on a terminal that says it has no rows to spare (a pty opened without a size, as
 *   `script` and some `docker exec -t` give): nothing, since a redraw in place would erase the
 *   answer on the line they share;
 * - stderr not a terminal: nothing (logs and pipes get no control characters).
 */
export function createStatusLine(stdout: TerminalStream, stderr: TerminalStream): StatusLine {
  if (stderr.isTTY !== true) return HIDDEN;
  if (stdout.isTTY === true) return (stderr.rows ?? 0) >= 3 ? new BottomRowStatusLine(stderr) : HIDDEN;
  return new InPlaceStatusLine(stderr);
}

const HIDDEN: StatusLine = { visible: false, start: () => undefined, update: () => undefined, stop: () => undefined };

/** The status line on the last row; the rows above it form a scroll region for the answer. */
export class BottomRowStatusLine implements StatusLine {
  readonly visible = true;
  readonly #terminal: TerminalStream;
  #rows = 0;
  #text = '';
  #active = false;
  readonly #onResize = (): void => {
    // The old bottom row is now somewhere in the middle: clear it, then pin the new one.
    this.#terminal.write(`${SAVE_CURSOR}${ESC}[${this.#rows};1H${CLEAR_LINE}${RESTORE_CURSOR}`);
    this.#pin();
    this.update(this.#text);
  };
  readonly #onExit = (): void => this.stop();

  constructor(terminal: TerminalStream) {
    this.#terminal = terminal;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    // Scroll one line when the cursor sits on the bottom row, so the answer never writes over the status.
    this.#terminal.write(`\n${ESC}[1A`);
    this.#pin();
    this.#terminal.on?.('resize', this.#onResize);
    process.once('exit', this.#onExit);
  }

  update(text: string): void {
    this.#text = text;
    if (!this.#active) return;
    const width = Math.max(1, (this.#terminal.columns ?? 80) - 1);
    this.#terminal.write(`${SAVE_CURSOR}${ESC}[${this.#rows};1H${CLEAR_LINE}${DIM}${clip(text, width)}${NORMAL}${RESTORE_CURSOR}`);
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#terminal.off?.('resize', this.#onResize);
    process.off('exit', this.#onExit);
    this.#terminal.write(`${SAVE_CURSOR}${ESC}[${this.#rows};1H${CLEAR_LINE}${RESET_SCROLL_REGION}${RESTORE_CURSOR}`);
  }

  #pin(): void {
    this.#rows = this.#terminal.rows ?? 24;
    // Setting a scroll region moves the cursor home: save and restore around it.
    this.#terminal.write(`${SAVE_CURSOR}${ESC}[1;${this.#rows - 1}r${RESTORE_CURSOR}`);
  }
}

/** The status line redrawn in place on stderr, for when the answer goes to a pipe. */
export class InPlaceStatusLine implements StatusLine {
  readonly visible = true;
  readonly #terminal: TerminalStream;
  #active = false;

  constructor(terminal: TerminalStream) {
    this.#terminal = terminal;
  }

  start(): void {
    this.#active = true;
  }

  update(text: string): void {
    if (!this.#active) return;
    const width = Math.max(1, (this.#terminal.columns ?? 80) - 1);
    this.#terminal.write(`\r${CLEAR_LINE}${DIM}${clip(text, width)}${NORMAL}`);
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#terminal.write(`\r${CLEAR_LINE}`);
  }
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
