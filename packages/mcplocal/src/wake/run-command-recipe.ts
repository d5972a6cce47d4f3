import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Clock } from '@mcpctl/clock';
import type { WakeRecipe } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';

export type CommandWakeRecipe = Extract<WakeRecipe, { type: 'command' }>;

export interface CommandRecipeOptions {
  /** Kills the command (SIGTERM, then SIGKILL) and rejects with its reason once the command is gone. */
  signal: AbortSignal;
  /** Times the kill grace and the output drain. */
  clock: Clock;
  /** Each line the command writes, as it writes it. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How long a command has to exit after SIGTERM before it gets SIGKILL. Default 2 000 ms. */
  killGraceMs?: number | undefined;
}

const DEFAULT_KILL_GRACE_MS = 2_000;
/** After the command exited, how long its last output may take to arrive before the pipes are closed. */
const OUTPUT_DRAIN_MS = 200;
const MAX_LINE_CHARS = 2_000;
/**
 * The command gets its own process group, so a kill also reaches what it started (`sh -c '…'`
 * and its children). Windows has no process groups; there only the command itself is killed.
 */
const OWN_GROUP = process.platform !== 'win32';

/**
 * Runs the recipe's command without a shell; exit code 0 is a success. Any other exit, a
 * command that cannot be started, or one ended by a signal rejects with a McplocalError. The
 * pipes are closed once the command has exited, so a server it leaves running in the background
 * must send its output elsewhere.
 */
export async function runCommandRecipe(recipe: CommandWakeRecipe, options: CommandRecipeOptions): Promise<void> {
  const { signal, clock } = options;
  signal.throwIfAborted();
  const what = `the wake command ${recipe.command}`;
  const child = spawn(recipe.command, recipe.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: OWN_GROUP });
  // Listened for from the start: `close` may come in the same turn as `exit`, before the drain would listen.
  const closed = once(child, 'close').then(
    () => undefined,
    () => undefined,
  );
  forwardLines(child.stdout, 'stdout', options.onLine);
  forwardLines(child.stderr, 'stderr', options.onLine);
  const stopKilling = new AbortController();
  const terminate = () => {
    kill(child, 'SIGTERM');
    clock.sleep(options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, stopKilling.signal).then(() => kill(child, 'SIGKILL'), () => undefined);
  };
  signal.addEventListener('abort', terminate, { once: true });
  try {
    const ended = await exitOf(child);
    await drainOutput(child, closed, clock);
    if (signal.aborted) {
      // What the command started in its group (a server still starting, say) goes with it.
      kill(child, 'SIGKILL', { afterExit: true });
      throw signal.reason;
    }
    if ('error' in ended) throw new McplocalError(`cannot run ${what}: ${ended.error.message}`, { cause: ended.error });
    if (ended.code === 0) return;
    if (ended.code !== null) throw new McplocalError(`${what} exited with code ${ended.code}`);
    throw new McplocalError(`${what} was ended by ${ended.signal ?? 'a signal'}`);
  } finally {
    signal.removeEventListener('abort', terminate);
    stopKilling.abort();
  }
}

type Ended = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/** The first of `exit` and `error`: a command that cannot be spawned may never emit `exit`. */
function exitOf(child: ChildProcess): Promise<Ended> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error }));
  });
}

/** Output written just before the exit may still be in the pipes; it is read, briefly, before they are closed. */
async function drainOutput(child: ChildProcess, closed: Promise<void>, clock: Clock): Promise<void> {
  const giveUp = new AbortController();
  await Promise.race([closed, clock.sleep(OUTPUT_DRAIN_MS, giveUp.signal).catch(() => undefined)]);
  giveUp.abort();
  child.stdout?.destroy();
  child.stderr?.destroy();
}

function forwardLines(stream: Readable | null, name: 'stdout' | 'stderr', onLine: CommandRecipeOptions['onLine']): void {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    onLine(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line, name);
  });
  // A pipe destroyed after the exit ends the reader; nothing is left to report.
  stream.on('error', () => undefined);
}

function kill(child: ChildProcess, signal: NodeJS.Signals, options: { afterExit?: boolean } = {}): void {
  const exited = child.exitCode !== null || child.signalCode !== null;
  if (exited && !(options.afterExit && OWN_GROUP)) return;
  try {
    if (OWN_GROUP && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // The group is already gone (ESRCH): the command exited between the check and the kill.
  }
}
