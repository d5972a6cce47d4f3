import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_STALE_MS, lockDataDir } from '../src/data-dir-lock.js';

describe('the data directory lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpd-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const lockFile = () => join(dir, 'mcpd.lock');
  const writeHolder = (holder: Record<string, unknown>) => writeFile(lockFile(), JSON.stringify(holder));

  it('keeps a second process of this host off while the first runs, and lets go at release', async () => {
    const first = await lockDataDir(dir, { hostname: 'box' });
    // The parent of this test runs: a lock in its name counts.
    await writeHolder({ pid: process.ppid, host: 'box', token: 'parent' });
    await expect(lockDataDir(dir, { hostname: 'box' })).rejects.toThrow(new DataDirInUseError(dir, `pid ${process.ppid}`));
    await first.release();
    // Release removes only its own lock.
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ token: 'parent' });
  });

  it('takes over the lock of a process that is gone, and its own from a former life under the same pid', async () => {
    await writeHolder({ pid: 2 ** 31 - 2, host: 'box', token: 'gone' });
    const taken = await lockDataDir(dir, { hostname: 'box' });
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, host: 'box' });
    await taken.release();
    // A container's mcpd is pid 1 at every start: the same pid on the same host is a lock left behind.
    await writeHolder({ pid: 1, host: 'container-a', token: 'before' });
    const again = await lockDataDir(dir, { pid: 1, hostname: 'container-a' });
    await again.release();
  });

  it('keeps another host (a container sharing the volume) off while its holder refreshes the lock, and takes it once silent', async () => {
    const now = Date.now();
    await writeHolder({ pid: 1, host: 'container-a', token: 'a' });
    await expect(lockDataDir(dir, { pid: 1, hostname: 'container-b', now: () => now })).rejects.toThrow(
      `the data directory ${dir} is in use by another mcpd (pid 1 on container-a, alive 0 s ago)`,
    );
    const silentSince = new Date(now - LOCK_STALE_MS - 1000);
    await utimes(lockFile(), silentSince, silentSince);
    const taken = await lockDataDir(dir, { pid: 1, hostname: 'container-b', now: () => now });
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: 1, host: 'container-b' });
    await taken.release();
  });

  it('writes its lock again when it is removed while it runs, so a second mcpd is still kept off', async () => {
    const heard: string[] = [];
    const held = await lockDataDir(dir, { hostname: 'box', refreshMs: 20, onMissing: (outcome) => heard.push(outcome) });
    try {
      await rm(lockFile());
      await expect.poll(() => heard).toEqual(['restored']);
      expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, host: 'box' });
      // Another process of this host that finds it now is refused: the pid in it runs.
      await expect(lockDataDir(dir, { hostname: 'box', pid: process.pid + 1 })).rejects.toThrow(DataDirInUseError);
      // A file there at the refresh is touched, not written again: only a missing one is news.
      await writeHolder({ pid: process.ppid, host: 'box', token: 'other' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect({ heard, holder: JSON.parse(await readFile(lockFile(), 'utf8')) as unknown }).toMatchObject({ heard: ['restored'], holder: { token: 'other' } });
    } finally {
      await held.release();
    }
  });

  it('takes over the lock of a process killed but not yet reaped', async () => {
    // A parent that never waits: its child, once exited, stays a zombie (as under a supervisor about to restart it).
    const parent = spawn('python3', ['-c', 'import os, sys, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number((await once(parent.stdout, 'data'))[0]);
      await expect.poll(async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.[0]).toBe('Z');
      await writeHolder({ pid, host: 'box', token: 'killed' });
      await (await lockDataDir(dir, { hostname: 'box' })).release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a file that is not a lock', async () => {
    await writeFile(lockFile(), 'not json');
    await (await lockDataDir(dir)).release();
  });
});
