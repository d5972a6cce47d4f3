import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BenchError } from './errors.js';

export interface AnnouncementWatch {
  /** Names the process in errors. */
  name: string;
  /** The URL when `line` is the announcement, else undefined. */
  parseLine(line: string): string | undefined;
  timeoutMs: number;
  /** Receives every stdout line, e.g. to keep the tail for error messages. */
  onLine(line: string): void;
  /** What the process printed so far, for the error when it dies or stays silent. */
  output(): string;
}

/**
 * Resolves with the URL a child prints on stdout once it listens. Every line is read to the end
 * of the child's life, so it can never block on a full pipe.
 */
export function readAnnouncedUrl(child: ChildProcess, watch: AnnouncementWatch): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, url?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve(url!);
    };
    const timer = setTimeout(
      () => finish(new BenchError(`${watch.name} did not announce its URL within ${watch.timeoutMs} ms: ${watch.output().trim()}`)),
      watch.timeoutMs,
    );
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(new BenchError(`${watch.name} exited (${signal ?? `code ${code}`}) before listening: ${watch.output().trim()}`));
    const onError = (error: Error) => finish(new BenchError(`cannot start ${watch.name}`, { cause: error }));
    child.once('exit', onExit);
    child.once('error', onError);
    lines.on('line', (line) => {
      watch.onLine(line);
      if (settled) return;
      const url = watch.parseLine(line);
      if (url) finish(undefined, url);
    });
  });
}
