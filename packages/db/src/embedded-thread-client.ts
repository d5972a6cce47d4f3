import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { csvOf, type CopyRows } from './copy-rows.js';
import { FATAL_ANSWER_ID, restoreError, type EmbeddedAnswer, type EmbeddedRequest, type EmbeddedThreadStart, type QueryAnswer } from './embedded-thread-messages.js';

const here = fileURLToPath(import.meta.url);
/** The thread's compiled entry; from the TypeScript source (tests) the built one runs, as a worker cannot run TypeScript. */
export const EMBEDDED_THREAD_MAIN = here.endsWith('.ts') ? join(dirname(here), '..', 'dist', 'embedded-thread-main.js') : join(dirname(here), 'embedded-thread-main.js');

/** How long a close may wait for the thread's statements to finish before the thread is stopped. */
const CLOSE_TIMEOUT_MS = 10_000;

/** A PGlite type parser: the server's text of a value of type `typeId` in, the JavaScript value out. */
type Parser = (text: string, typeId: number) => unknown;

export interface QueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, Parser>;
}

/** What a transaction offers its work: statements on the transaction's connection. */
export interface EmbeddedTransaction {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryAnswer>;
}

/** A request before it is numbered. */
type Request = EmbeddedRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The embedded database (PGlite) on a thread of its own, with the part of PGlite's client that
 * Drizzle's driver uses: `query` and `transaction`. PGlite runs every statement synchronously on
 * the thread that calls it, so on mcpd's thread a long one stopped every stream mcpd served
 * (`docs/decisions.md`, "The embedded database on a thread of its own"); here a statement costs
 * mcpd a message each way.
 */
export class EmbeddedThreadClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  /** Set once the thread is closed or gone: every request after that fails with it. */
  #ended: Error | undefined;
  #closing: Promise<void> | undefined;
  readonly #lostListeners: Array<(error: Error) => void> = [];

  private constructor(worker: Worker, started: Waiting) {
    this.#worker = worker;
    this.#waiting.set(0, started);
    worker.on('message', (message: EmbeddedAnswer) => this.#answer(message));
    worker.on('error', (error) => this.#lose(new Error(`the embedded database stopped: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.#lose(new Error(`the embedded database stopped: its thread ended with exit code ${code}`)));
    // An answer that could not be read leaves its statement without one: the two sides no longer agree.
    worker.on('messageerror', (error) => this.#lose(new Error(`the embedded database stopped: an answer could not be read: ${error.message}`, { cause: error })));
  }

  /** Starts the thread and opens the database in `dataDir` (in memory without one); resolves once it answers. */
  static async open(dataDir: string | undefined, entry: string = EMBEDDED_THREAD_MAIN): Promise<EmbeddedThreadClient> {
    const start: EmbeddedThreadStart = { dataDir };
    let settle: Waiting = { resolve: () => undefined, reject: () => undefined };
    const started = new Promise<unknown>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Only the profilers' options (a profiled mcpd profiles its database too): a preload
    // (`--import`, or through NODE_OPTIONS) would run again on the thread, where what it does may
    // not be allowed (setting the umask is not).
    const { NODE_OPTIONS: _preloads, ...env } = process.env;
    const worker = new Worker(entry, { workerData: start, execArgv: profilerFlags(process.execArgv), env });
    const client = new EmbeddedThreadClient(worker, settle);
    try {
      await started;
    } catch (error) {
      client.#end(error as Error);
      await client.#worker.terminate();
      throw error;
    }
    client.#worker.unref();
    return client;
  }

  get closed(): boolean {
    return this.#ended !== undefined;
  }

  /** `listener` hears, once, that the thread stopped unasked: from then on every statement fails. */
  onLost(listener: (error: Error) => void): void {
    if (this.#ended && !this.#closing) listener(this.#ended);
    else this.#lostListeners.push(listener);
  }

  query(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<QueryAnswer> {
    return this.#query(undefined, sql, params, options);
  }

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (tx: EmbeddedTransaction) => Promise<T>): Promise<T> {
    const tx = this.#nextId++;
    await this.#send({ op: 'begin' }, tx);
    let result: T;
    try {
      result = await work({ query: (sql, params = [], options = {}) => this.#query(tx, sql, params, options) });
    } catch (error) {
      // The work's error is the one to hear; a rollback that cannot reach a stopped thread adds nothing.
      await this.#send({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.#send({ op: 'end', tx, commit: true });
    return result;
  }

  /** `copyRows` on the database's thread; the rows cross as one CSV text. */
  readonly copyRows: CopyRows = async (table, columns, rows) => {
    if (rows.length > 0) await this.#send({ op: 'copy', table, columns, csv: csvOf(rows) });
  };

  /** Closes the database, after the statements sent before; every call answers the same close. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!this.#ended) {
        // A thread stuck in a statement that never ends (PGlite spinning after a lost file) would
        // hold the close, and a stopping mcpd, for good: past this it is stopped where it is.
        const stuck = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`the embedded database did not close within ${CLOSE_TIMEOUT_MS / 1000} s; its thread was stopped`)), CLOSE_TIMEOUT_MS);
        });
        await Promise.race([this.#send({ op: 'close' }), stuck]);
      }
    } catch (error) {
      // A thread that stopped while closing has nothing left to close.
      if (!this.#ended) throw error;
    } finally {
      clearTimeout(timer);
      this.#end(new Error('the embedded database is closed'));
      await this.#worker.terminate();
    }
  }

  async #query(tx: number | undefined, sql: string, params: unknown[], options: QueryOptions): Promise<QueryAnswer> {
    const parsers = options.parsers ?? {};
    const rawTypes = Object.keys(parsers).map(Number);
    const answer = (await this.#send({ op: 'query', tx, sql, params, rowMode: options.rowMode ?? 'object', rawTypes })) as QueryAnswer;
    if (rawTypes.length > 0) parseRaw(answer, parsers);
    return answer;
  }

  #send(request: Request, id = this.#nextId++): Promise<unknown> {
    if (this.#ended) return Promise.reject(this.#ended);
    if (this.#closing && request.op !== 'close') return Promise.reject(new Error('the embedded database is closed'));
    return new Promise((resolve, reject) => {
      const numbered: EmbeddedRequest = { ...request, id };
      try {
        this.#worker.postMessage(numbered);
      } catch (error) {
        // A parameter a thread cannot receive (a function, a symbol): refused here, nothing was sent.
        reject(new Error(`cannot send the statement to the embedded database: ${(error as Error).message}`, { cause: error }));
        return;
      }
      // Held open only while it owes an answer: an idle database keeps no process alive.
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
    });
  }

  #answer(message: EmbeddedAnswer): void {
    if (message.id === FATAL_ANSWER_ID && !message.ok) {
      this.#lose(new Error(`the embedded database stopped: ${message.error.message}`, { cause: restoreError(message.error) }));
      return;
    }
    const waiting = this.#waiting.get(message.id);
    if (!waiting) return;
    this.#waiting.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(restoreError(message.error));
    if (this.#waiting.size === 0) this.#worker.unref();
  }

  /** Fails what waits and everything after with `error`. */
  #end(error: Error): void {
    this.#ended ??= error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    this.#worker.unref();
  }

  /** The thread stopped: unasked, the listeners hear it. */
  #lose(error: Error): void {
    if (this.#ended) return;
    this.#end(error);
    if (this.#closing) return;
    for (const listener of this.#lostListeners.splice(0)) {
      try {
        listener(error);
      } catch (thrown) {
        // One listener's failure neither hides the loss from the others nor goes unseen.
        queueMicrotask(() => {
          throw thrown;
        });
      }
    }
  }
}

/**
 * Of the process's Node options, those the thread takes too: the profilers' (`--cpu-prof`,
 * `--cpu-prof-dir DIR`, `--heap-prof…`). Others are the process's alone (a preload, the entry's
 * `--input-type`), and V8's flags hold for every thread already.
 */
const PROFILER_FLAG = /^--(cpu|heap)-prof(-[a-z]+)?(=|$)/;
const PROFILER_FLAGS_WITH_VALUE = new Set(['--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir', '--heap-prof-name', '--heap-prof-interval']);

export function profilerFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index += 1) {
    const flag = execArgv[index] ?? '';
    if (!PROFILER_FLAG.test(flag)) continue;
    kept.push(flag);
    const value = execArgv[index + 1];
    if (PROFILER_FLAGS_WITH_VALUE.has(flag) && value !== undefined) {
      kept.push(value);
      index += 1;
    }
  }
  return kept;
}

/** Applies the caller's parsers to the values the thread sent as text. */
function parseRaw(answer: QueryAnswer, parsers: Record<number, Parser>): void {
  const parsedNames = new Set<string>();
  for (const [index, field] of answer.fields.entries()) {
    const parse = parsers[field.dataTypeID];
    if (!parse) continue;
    for (const row of answer.rows as Array<Record<string | number, unknown>>) {
      const arrayRow = Array.isArray(row);
      // Two columns of one name are one value in an object row: it is parsed once.
      if (!arrayRow && parsedNames.has(field.name)) break;
      const key = arrayRow ? index : field.name;
      const value = row[key];
      if (typeof value === 'string') row[key] = parse(value, field.dataTypeID);
    }
    parsedNames.add(field.name);
  }
}
