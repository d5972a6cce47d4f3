import { resultSeqSchema, taskResultSchema, type TaskResult } from '@mcpctl/protocol';
import { badRequest, describeZodError, echo, notFound } from '../errors.js';
import { findUnstorableText } from '../security/find-unstorable-text.js';
import type { TaskRegistry } from './task-registry.js';

/**
 * Where the result came from. A result post's body already passed the JSON body checks (NUL
 * characters, unpaired surrogates) and a 400 to it leaves a task that is not streaming as it was;
 * a socket message gets those checks here, and since the publisher is then told `gone` and stops
 * working, any result mcpd cannot use ends its task.
 */
export type ResultSource = 'post' | 'socket';

/**
 * One result of a publisher, as `POST _provider-task/:taskId/result` and the provider socket's
 * `result` message both take it. Throws 404 for an unknown, finished or foreign task (nothing
 * changes), 400 for a body that is not a result; a malformed chunk ends its task first, because
 * skipping it would leave a silent gap in the caller's answer. The task's sink may throw too: 400
 * for chunk data it cannot use, 404 when the caller read too slowly (both after ending the task).
 */
export function acceptTaskResult(tasks: TaskRegistry, taskId: string, posterId: string, body: unknown, source: ResultSource): void {
  acceptTaskResults(tasks, taskId, posterId, [body], source);
}

/**
 * Several results of one task in order (the provider socket's `results` message), taken exactly
 * as that many results one after another: those before a malformed one reach the caller, and the
 * malformed one ends the task as it would alone. The well-formed ones reach the task together,
 * so the chunks among them go to the caller in one write.
 */
export function acceptTaskResults(tasks: TaskRegistry, taskId: string, posterId: string, bodies: readonly unknown[], source: ResultSource): void {
  const results: TaskResult[] = [];
  for (const body of bodies) {
    const result = readTaskResult(body, source);
    if (typeof result !== 'string') {
      results.push(result);
      continue;
    }
    if (results.length > 0 && !tasks.deliver(taskId, posterId, results)) throw notFound(`unknown or finished task: ${taskId}`);
    if (source === 'socket' || isChunkResult(body)) {
      const ended = tasks.deliver(taskId, posterId, [{ error: `it sent a malformed ${isChunkResult(body) ? 'chunk' : 'result'} (${result})` }]);
      if (!ended) throw notFound(`unknown or finished task: ${taskId}`);
      throw badRequest(`${result}; the task is over`);
    }
    // The task goes on, and its publisher's next result (its own report of the failure) comes
    // numbered after this one: the number is spent, or the next would read as a gap.
    tasks.skip(taskId, posterId, seqOf(body));
    throw badRequest(result);
  }
  if (!tasks.deliver(taskId, posterId, results)) throw notFound(`unknown or finished task: ${taskId}`);
}

/**
 * The result, or what is wrong with it. The schema's parse of a chunk costs well under a
 * microsecond (docs/decisions.md has the figures), so even the hot path goes through it; the
 * chunk's data string comes out as it went in.
 */
function readTaskResult(body: unknown, source: ResultSource): TaskResult | string {
  if (source === 'socket') {
    const unstorable = findUnstorableText(body);
    if (unstorable) return `invalid task result: ${unstorable.path ? `${echo(unstorable.path)}: ` : ''}${unstorable.problem}`;
  }
  const parsed = taskResultSchema.safeParse(body);
  return parsed.success ? parsed.data : describeZodError(parsed.error, 'task result');
}

function isChunkResult(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'chunk' in body;
}

/** The `seq` a refused body carried, when it is one a publisher would number with. */
function seqOf(body: unknown): number | undefined {
  const seq = resultSeqSchema.safeParse(typeof body === 'object' && body !== null ? (body as { seq?: unknown }).seq : undefined);
  return seq.success ? seq.data : undefined;
}
