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
/** Set by the close request: transactions still open are rolled back, none is opened after. */
let closing = false;
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
      async (error: unknown) => {
        answer({ id: request.id, ok: false, error: carryError(error) });
        const broken = await brokeTheDatabase(error);
        if (broken) stop(broken);
      },
    );
  });
  answer({ id: 0, ok: true });
} catch (error) {
  answer({ id: 0, ok: false, error: carryError(error) });
}

/**
 * Whether the database is broken for good after `error`, and what says so. PGlite keeps going
 * after most of its own failures, so a failure that is not PostgreSQL's word on the statement (an
 * internal error, `XX000`, a system error of class 58, or none at all) is followed by a trivial
 * statement: a database that cannot answer it fails every later one, and ending the thread lets
 * mcpd hear it and stop rather than answer every request with an error. Emscripten's abort and
 * exit end it at once.
 */
async function brokeTheDatabase(error: unknown): Promise<unknown> {
  // By name: WebAssembly's types are not in this package's lib.
  const { name, code } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown };
  if (name === 'RuntimeError' || name === 'ExitStatus') return error;
  // XX000 is PostgreSQL's internal error, class 58 a failing system below it (a file gone).
  if (closing || (typeof code === 'string' && code !== 'XX000' && !code.startsWith('58'))) return undefined;
  try {
    const probe = await database.query<{ one: number }>('select 1 as one');
    return probe.rows[0]?.one === 1 ? undefined : new Error(`the database answered select 1 with ${JSON.stringify(probe.rows)} after: ${(error as Error).message}`);
  } catch (probeError) {
    return probeError;
  }
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
      // PGlite's close waits for an open transaction, whose statements mcpd's side no longer
      // sends once it closes: each is rolled back instead. The thread ends when mcpd's side
      // terminates it, after this answer.
      closing = true;
      for (const open of transactions.values()) open.finish(false);
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
  if (closing) return Promise.reject(new Error('the embedded database is closed'));
  return new Promise<void>((opened, failed) => {
    let finish: (commit: boolean) => void = () => undefined;
    const done = new Promise<void>((commit, rollBack) => {
      finish = (yes) => (yes ? commit() : rollBack(ROLLBACK));
    });
    const settled = database
      .transaction(async (tx) => {
        // PGlite calls this only after it awaited its lock, so `settled` is assigned by then.
        if (closing) {
          failed(new Error('the embedded database is closed'));
          throw ROLLBACK;
        }
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
