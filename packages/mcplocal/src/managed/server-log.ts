import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Default cap of one log file; the one before is kept as `NAME.log.1`. */
export const SERVER_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** What is kept in memory of the latest writes, for {@link ServerLog.tail}. */
const RECENT_BYTES = 4096;

/**
 * A managed server's log, `MCPCTL_HOME/logs/NAME.log`: what the server writes, and a line from
 * mcplocal at each start and stop saying why. Capped: past `maxBytes` the file becomes `NAME.log.1`
 * (replacing the one before) and a new one begins, so a chatty server never fills the disk.
 */
export class ServerLog {
  #stream: WriteStream | undefined;
  #bytes = 0;
  #recent: Buffer = Buffer.alloc(0);

  constructor(
    readonly path: string,
    private readonly maxBytes = SERVER_LOG_MAX_BYTES,
  ) {}

  /** A line of mcplocal's own, stamped with the time. */
  note(line: string, at: Date): void {
    this.write(`--- ${at.toISOString()} mcplocal: ${line}\n`);
  }

  write(data: string | Buffer): void {
    const stream = this.#open();
    stream.write(data);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.#bytes += bytes.length;
    this.#recent = Buffer.concat([this.#recent, bytes]);
    if (this.#recent.length > RECENT_BYTES) this.#recent = this.#recent.subarray(this.#recent.length - RECENT_BYTES);
    if (this.#bytes >= this.maxBytes) this.#rotate();
  }

  /** The last `lines` non-empty lines written (mcplocal's own included), oldest first. */
  tail(lines: number): string[] {
    const text = this.#recent.toString('utf8').split('\n');
    // The first line may be cut by the memory cap: kept only when it is all there is.
    if (this.#recent.length >= RECENT_BYTES && text.length > 1) text.shift();
    return text.map((line) => line.trimEnd()).filter((line) => line.length > 0).slice(-lines);
  }

  /** Resolves once what was written is on disk. */
  close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }

  #open(): WriteStream {
    if (this.#stream) return this.#stream;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    try {
      this.#bytes = statSync(this.path).size;
    } catch {
      this.#bytes = 0;
    }
    const stream = createWriteStream(this.path, { flags: 'a', mode: 0o600 });
    // A log that cannot be written must not take mcplocal down: the server runs on without it.
    stream.on('error', () => undefined);
    this.#stream = stream;
    return stream;
  }

  #rotate(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    stream?.end();
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      // Gone already, or not ours to move: the next write starts a file either way.
    }
    this.#bytes = 0;
  }
}
