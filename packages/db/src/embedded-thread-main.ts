import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { copyCsv } from './copy-rows.js';
import { carryError, FATAL_ANSWER_ID, type EmbeddedAnswer, type EmbeddedRequest, type EmbeddedThreadStart, type QueryAnswer, type QueryRequest } from './embedded-thread-messages.js';

/*
 * The embedded database's own thread (see `EmbeddedThreadClient`): PGlite runs here, so
 * PostgreSQL's work never takes turns with requests on mcpd's event loop. Requests are served as
 * they come; PGlite itself queues each behind an open transaction, as it does on one thread.
 */

interface OpenTransaction {
  tx: Transaction;
  /** Lets the transaction's callback return (commit) or throw (roll back). */
  finish(commit: boolean): void;
  /** Settles once PGlite committed or rolled back. */
  settled: Promise<void>;
}

if (!parentPort) throw new Error('the embedded database thread runs only as a worker thread');
const port = parentPort;
const { dataDir } = workerData as EmbeddedThreadStart;
const transactions = new Map<number, OpenTransaction>();
/** What a callback throws to roll its transaction back; not an error of anyone's. */
const ROLLBACK = new Error('rolled back as asked');
const answer = (message: EmbeddedAnswer) => {
  try {
    port.postMessage(message);
  } catch (error) {
    // A result the thread boundary cannot carry: the statement fails, the thread goes on.
    port.postMessage({ id: message.id, ok: false, error: carryError(error) } satisfies EmbeddedAnswer);
  }
};

const database = dataDir ? new PGlite(dataDir) : new PGlite();
try {
  await database.waitReady;
  port.on('message', (request: EmbeddedRequest) => {
    perform(request).then(
      (value) => answer({ id: request.id, ok: true, value }),
      (error: unknown) => {
        answer({ id: request.id, ok: false, error: carryError(error) });
        if (brokeTheDatabase(error)) stop(error);
      },
    );
  });
  answer({ id: 0, ok: true });
} catch (error) {
  answer({ id: 0, ok: false, error: carryError(error) });
}

/**
 * PGlite aborted (a WebAssembly trap, an `abort()`) or PostgreSQL exited: it stays up and fails
 * every later statement. Ending the thread lets mcpd hear it and stop, rather than answer every
 * request with an error.
 */
function brokeTheDatabase(error: unknown): boolean {
  // By name: WebAssembly's types are not in this package's lib.
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'RuntimeError' || name === 'ExitStatus';
}

function stop(error: unknown): never {
  answer({ id: FATAL_ANSWER_ID, ok: false, error: carryError(error) });
  process.exit(1);
}

async function perform(request: EmbeddedRequest): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return query(request);
    case 'begin':
      return begin(request.id);
    case 'end':
      return end(request.tx, request.commit);
    case 'copy':
      return copyCsv(database, request.table, request.columns, request.csv);
    case 'close':
      // The thread ends when mcpd's side terminates it, after this answer.
      if (!database.closed) await database.close();
      return undefined;
  }
}

async function query(request: QueryRequest): Promise<QueryAnswer> {
  const target = request.tx === undefined ? database : transactionOf(request.tx).tx;
  // The caller's parsers are functions, which stay on its thread: their types come as text.
  const parsers = Object.fromEntries(request.rawTypes.map((oid) => [oid, (text: string) => text]));
  const result = await target.query(request.sql, request.params, { rowMode: request.rowMode, parsers });
  return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
}

function begin(id: number): Promise<void> {
  return new Promise<void>((opened, failed) => {
    let finish: (commit: boolean) => void = () => undefined;
    const done = new Promise<void>((commit, rollBack) => {
      finish = (yes) => (yes ? commit() : rollBack(ROLLBACK));
    });
    const settled = database
      .transaction(async (tx) => {
        transactions.set(id, { tx, finish, settled });
        opened();
        await done;
      })
      .then(
        () => undefined,
        (error: unknown) => {
          if (error !== ROLLBACK) throw error;
        },
      )
      .finally(() => transactions.delete(id));
    // BEGIN itself failed: the callback never ran.
    settled.catch(failed);
  });
}

async function end(id: number, commit: boolean): Promise<void> {
  const open = transactionOf(id);
  open.finish(commit);
  await open.settled;
}

function transactionOf(id: number): OpenTransaction {
  const open = transactions.get(id);
  if (!open) throw new Error(`transaction ${id} is not open on the embedded database`);
  return open;
}
