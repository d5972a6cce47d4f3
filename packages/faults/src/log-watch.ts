import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parseLogLine } from '@mcpctl/test-kit';

/** One JSON log line of a child, stamped when it arrived. */
export interface LogLine {
  /** `performance.now()` when the line was read. */
  at: number;
  message: string;
  record: Record<string, unknown>;
}

interface Waiter {
  match: (line: LogLine) => boolean;
  after: number;
  resolve: (line: LogLine | undefined) => void;
}

/**
 * Reads a child's pino lines as they come, so a scenario can ask "when did mcplocal say the
 * control stream was open again?" rather than polling its output. It listens beside whatever
 * else reads the stream (the spawner's own line reader), so the child never blocks on a full pipe.
 */
export class LogWatch {
  readonly lines: LogLine[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(stream: Readable) {
    stream.on('data', (data: Buffer | string) => this.#read(typeof data === 'string' ? data : this.#decoder.write(data)));
  }

  /** The first line at or after `after` that matches, waiting up to `timeoutMs` for it; undefined when none came. */
  waitFor(match: (line: LogLine) => boolean, options: { after?: number; timeoutMs: number }): Promise<LogLine | undefined> {
    const after = options.after ?? 0;
    const seen = this.lines.find((line) => line.at >= after && match(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match,
        after,
        resolve: (line) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(line);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), options.timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Lines whose message contains `text`, oldest first. */
  matching(text: string): LogLine[] {
    return this.lines.filter((line) => line.message.includes(text));
  }

  #read(text: string): void {
    const pieces = (this.#partial + text).split('\n');
    this.#partial = pieces.pop() ?? '';
    const at = performance.now();
    for (const piece of pieces) {
      const record = parseLogLine(piece);
      if (!record) continue;
      const line: LogLine = { at, message: typeof record.msg === 'string' ? record.msg : '', record };
      this.lines.push(line);
      for (const waiter of this.#waiters) {
        if (line.at >= waiter.after && waiter.match(line)) waiter.resolve(line);
      }
    }
  }
}
