import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homeLockPath, lockHome } from '../src/home-lock.js';

describe('lockHome: one mcplocal per MCPCTL_HOME', () => {
  let home: TempDir;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    home = await makeTempDir('home-lock');
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await home.cleanup();
  });

  /** A live process other than this one, standing for another mcplocal. */
  async function otherProcess(): Promise<ChildProcess> {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    return child;
  }

  it('refuses a second mcplocal while the first runs, naming it and what to do', async () => {
    const other = await otherProcess();
    await lockHome(home.path, other.pid);
    await expect(lockHome(home.path)).rejects.toThrow(
      `another mcplocal (pid ${String(other.pid)}) runs with ${home.path}; stop it first (systemctl --user stop mcplocal, if it is the unit), or give this one its own MCPCTL_HOME`,
    );
  });

  it('takes over a lock whose process is gone, and one that is not JSON', async () => {
    const other = await otherProcess();
    await lockHome(home.path, other.pid);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    const lock = await lockHome(home.path);
    expect(JSON.parse(await readFile(homeLockPath(home.path), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();

    await writeFile(homeLockPath(home.path), 'not json');
    await lockHome(home.path);
    expect(JSON.parse(await readFile(homeLockPath(home.path), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over a lock naming a process that reused a dead holder\'s pid', async () => {
    const other = await otherProcess();
    // The pid runs, but it started at another time than the holder did: another program now.
    await writeFile(homeLockPath(home.path), `${JSON.stringify({ pid: other.pid, startTime: '1' })}\n`);
    await lockHome(home.path);
    expect(JSON.parse(await readFile(homeLockPath(home.path), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('removes its lock on release, and leaves one another mcplocal took since', async () => {
    const lock = await lockHome(home.path);
    await lock.release();
    await expect(readFile(homeLockPath(home.path), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    const mine = await lockHome(home.path);
    const other = await otherProcess();
    const taken = `${JSON.stringify({ pid: other.pid, startTime: 'x' })}\n`;
    await writeFile(homeLockPath(home.path), taken);
    await mine.release();
    expect(await readFile(homeLockPath(home.path), 'utf8')).toBe(taken);
  });
});
