import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { csvOf, type CopyRows } from './copy-rows.js';
import { restoreError, type EmbeddedAnswer, type EmbeddedRequest, type EmbeddedThreadStart, type QueryAnswer } from './embedded-thread-messages.js';

const here = fileURLToPath(import.meta.url);
/** The thread's compiled entry; from the TypeScript source (tests) the built one runs, as a worker cannot run TypeScript. */
export const EMBEDDED_THREAD_MAIN = here.endsWith('.ts') ? join(dirname(here), '..', 'dist', 'embedded-thread-main.js') : join(dirname(here), 'embedded-thread-main.js');

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
 * Drizzle's driver uses: `query` and `transaction`. On mcpd's thread PostgreSQL's work took turns
 * with every request, the audit's writes most of all (`docs/decisions.md`, "The embedded
 * database on a thread of its own"); here a statement costs mcpd a message each way.
 */
export class EmbeddedThreadClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  /** Set once the thread is gone: every request after that fails with it. */
  #failure: Error | undefined;
  #closing = false;
  #closed = false;
  readonly #lostListeners: Array<(error: Error) => void> = [];

  private constructor(worker: Worker, started: Waiting) {
    this.#worker = worker;
    this.#waiting.set(0, started);
    worker.on('message', (message: EmbeddedAnswer) => this.#answer(message));
    worker.on('error', (error) => this.#fail(new Error(`the embedded database stopped: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.#closing) this.#fail(new Error(`the embedded database's thread ended (exit code ${code})`));
    });
  }

  /** Starts the thread and opens the database in `dataDir` (in memory without one); resolves once it answers. */
  static async open(dataDir: string | undefined, entry: string = EMBEDDED_THREAD_MAIN): Promise<EmbeddedThreadClient> {
    const start: EmbeddedThreadStart = { dataDir };
    let settle: Waiting = { resolve: () => undefined, reject: () => undefined };
    const started = new Promise<unknown>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const client = new EmbeddedThreadClient(new Worker(entry, { workerData: start }), settle);
    try {
      await started;
    } catch (error) {
      await client.#stop();
      throw error;
    }
    client.#idle();
    return client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** `listener` hears, once, that the thread ended unasked: from then on every statement fails. */
  onLost(listener: (error: Error) => void): void {
    if (this.#failure) listener(this.#failure);
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

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    try {
      if (!this.#failure) await this.#send({ op: 'close' });
    } finally {
      await this.#stop();
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
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new Error('the embedded database is closed'));
    // Held open only while it owes an answer: an idle database keeps no process alive, as PGlite on one thread did not.
    if (this.#waiting.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const numbered: EmbeddedRequest = { ...request, id };
      this.#worker.postMessage(numbered);
    });
  }

  #answer(message: EmbeddedAnswer): void {
    const waiting = this.#waiting.get(message.id);
    if (!waiting) return;
    this.#waiting.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(restoreError(message.error));
    this.#idle();
  }

  #idle(): void {
    if (this.#waiting.size === 0) this.#worker.unref();
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    this.#idle();
    for (const listener of this.#lostListeners.splice(0)) listener(error);
  }

  async #stop(): Promise<void> {
    this.#closing = true;
    this.#closed = true;
    await this.#worker.terminate();
  }
}

/** Applies the caller's parsers to the values the thread sent as text. */
function parseRaw(answer: QueryAnswer, parsers: Record<number, Parser>): void {
  for (const [index, field] of answer.fields.entries()) {
    const parse = parsers[field.dataTypeID];
    if (!parse) continue;
    for (const row of answer.rows as Array<Record<string | number, unknown>>) {
      const key = Array.isArray(row) ? index : field.name;
      const value = row[key];
      if (typeof value === 'string') row[key] = parse(value, field.dataTypeID);
    }
  }
}
