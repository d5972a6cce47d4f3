import { EventEmitter } from 'node:events';
import type { TerminalStream } from '../../src/context.js';

/** An output stream that remembers what was written; optionally pretends to be a terminal. */
export class CapturedStream extends EventEmitter implements TerminalStream {
  text = '';
  isTTY: boolean;
  rows: number;
  columns: number;

  constructor(options: { isTTY?: boolean; rows?: number; columns?: number } = {}) {
    super();
    this.isTTY = options.isTTY ?? false;
    this.rows = options.rows ?? 24;
    this.columns = options.columns ?? 80;
  }

  write(text: string): boolean {
    this.text += text;
    return true;
  }
}
