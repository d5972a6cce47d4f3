import { systemClock } from '@mcpctl/clock';
import { ManualClock } from '@mcpctl/clock/manual';
import { wakeRecipeSchema } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { McplocalError } from '../../src/errors.js';
import { runCommandRecipe, type CommandWakeRecipe } from '../../src/wake/run-command-recipe.js';
import { processAlive, waitForExit } from './support/process-alive.js';

interface Line {
  line: string;
  stream: 'stdout' | 'stderr';
}

function commandRecipe(command: string, args: string[]): CommandWakeRecipe {
  const recipe = wakeRecipeSchema.parse({ type: 'command', command, args });
  if (recipe.type !== 'command') throw new Error('expected a command recipe');
  return recipe;
}

function run(recipe: CommandWakeRecipe, signal: AbortSignal, lines: Line[] = [], killGraceMs?: number): Promise<void> {
  return runCommandRecipe(recipe, { signal, clock: systemClock, killGraceMs, onLine: (line, stream) => lines.push({ line, stream }) });
}

/** Resolves with the first line that is a process id, as the scripts below print theirs. */
async function pidFrom(lines: Line[]): Promise<number> {
  await expect.poll(() => lines.some((entry) => /^\d+$/.test(entry.line)), { timeout: 5_000 }).toBe(true);
  return Number(lines.find((entry) => /^\d+$/.test(entry.line))!.line);
}

describe('runCommandRecipe', () => {
  it('ends as soon as the command has exited and its pipes closed, however soon they close', async () => {
    // On a clock that never moves, only the pipes closing can end the drain: a close missed because it came with the exit would hang here.
    const clock = new ManualClock();
    for (let round = 0; round < 20; round += 1) {
      const lines: Line[] = [];
      await runCommandRecipe(commandRecipe('sh', ['-c', 'echo done']), { signal: new AbortController().signal, clock, onLine: (line, stream) => lines.push({ line, stream }) });
      expect(lines).toEqual([{ line: 'done', stream: 'stdout' }]);
    }
    expect(clock.pendingTimers).toBe(0);
  }, 20_000);

  it('runs the command without a shell, takes exit 0 as success and hands on every output line', async () => {
    const lines: Line[] = [];
    const script = "console.log('loading weights'); console.log('$HOME stays as written'); console.error('slow disk'); console.log('ready')";
    await run(commandRecipe(process.execPath, ['-e', script]), AbortSignal.timeout(10_000), lines);
    // The two pipes are read independently: only the order within each one is guaranteed.
    const linesOf = (stream: Line['stream']) => lines.filter((entry) => entry.stream === stream).map((entry) => entry.line);
    expect(linesOf('stdout')).toEqual(['loading weights', '$HOME stays as written', 'ready']);
    expect(linesOf('stderr')).toEqual(['slow disk']);
  });

  it('fails with the exit code of a command that exits non-zero', async () => {
    const error = await run(commandRecipe('sh', ['-c', 'echo cannot start >&2; exit 3']), AbortSignal.timeout(10_000)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McplocalError);
    expect((error as Error).message).toBe('the wake command sh exited with code 3');
  });

  it('fails with the reason a command cannot be started', async () => {
    await expect(run(commandRecipe('/nonexistent/wake-backend', []), AbortSignal.timeout(10_000))).rejects.toThrow(
      /^cannot run the wake command \/nonexistent\/wake-backend: .*ENOENT/,
    );
  });

  it('kills a command that is still running when its signal aborts, with what it started', async () => {
    const lines: Line[] = [];
    const controller = new AbortController();
    const reason = new McplocalError('out of time');
    // The shell prints the pid of a child it started, then waits for it.
    const running = run(commandRecipe('sh', ['-c', 'sleep 30 & echo $!; wait']), controller.signal, lines);
    const grandchild = await pidFrom(lines);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await waitForExit(grandchild);
    expect(processAlive(grandchild)).toBe(false);
  });

  it('sends SIGKILL to a command that ignores SIGTERM once the grace is over', async () => {
    const lines: Line[] = [];
    const controller = new AbortController();
    const script = "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log(process.pid); setInterval(() => {}, 1000)";
    const running = run(commandRecipe(process.execPath, ['-e', script]), controller.signal, lines, 200);
    const pid = await pidFrom(lines);
    const abortedAt = performance.now();
    controller.abort(new McplocalError('out of time'));
    await expect(running).rejects.toThrow('out of time');
    expect(performance.now() - abortedAt).toBeGreaterThanOrEqual(150);
    expect(processAlive(pid)).toBe(false);
    expect(lines.map((entry) => entry.line)).toContain('ignoring SIGTERM');
  });
});
