import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CleanupStack } from '../src/cleanup-stack.js';

const sleeper = (): ChildProcess => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });

describe('CleanupStack', () => {
  it('runs its steps newest first, once, and reports the ones that failed', async () => {
    const cleanup = new CleanupStack();
    const ran: string[] = [];
    cleanup.add('stop the upstream', async () => {
      ran.push('upstream');
    });
    cleanup.add('stop mcpd', async () => {
      ran.push('mcpd');
      throw new Error('it was gone');
    });
    expect(await cleanup.runAll()).toEqual(['cannot stop mcpd: it was gone']);
    expect(await cleanup.runAll()).toEqual(['cannot stop mcpd: it was gone']);
    expect(ran).toEqual(['mcpd', 'upstream']);
  });

  it('holds a process exit listener only while it tracks a live child, however many stacks a run makes', async () => {
    const before = process.listenerCount('exit');
    for (let i = 0; i < 12; i += 1) {
      const cleanup = new CleanupStack();
      const child = sleeper();
      cleanup.track(child);
      expect(process.listenerCount('exit')).toBe(before + 1);
      cleanup.add('stop the child', async () => {
        child.kill();
        await once(child, 'exit');
      });
      await cleanup.runAll();
    }
    expect(process.listenerCount('exit')).toBe(before);
  });
});
