import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { homeLockPath, lockHome } from '../src/home-lock.js';

/** Stands for a file system without hard links (FAT, some network mounts): `link` fails with EPERM. */
const noHardLinks = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (original) => {
  const actual = await original<typeof import('node:fs/promises')>();
  return {
    ...actual,
    link: (...args: Parameters<typeof actual.link>) =>
      noHardLinks.on ? Promise.reject(Object.assign(new Error('operation not permitted'), { code: 'EPERM' })) : actual.link(...args),
  };
});

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
    await lockHome(home.path, { pid: other.pid });
    await expect(lockHome(home.path)).rejects.toThrow(
      `another mcplocal (pid ${String(other.pid)}) runs with ${home.path}; stop it first (systemctl --user stop mcplocal, if it is the unit), or give this one its own MCPCTL_HOME (if no mcplocal runs as pid ${String(other.pid)}, remove ${homeLockPath(home.path)})`,
    );
  });

  it('takes over a lock whose process is gone, and one that is not JSON', async () => {
    const other = await otherProcess();
    await lockHome(home.path, { pid: other.pid });
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    const lock = await lockHome(home.path);
    expect(JSON.parse(await readFile(homeLockPath(home.path), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();

    // Not JSON, and not being written either (it reads the same a moment later): nobody holds it.
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

  it('never takes over a lock written on another machine (a home shared over NFS), whatever its pid does here', async () => {
    await writeFile(homeLockPath(home.path), `${JSON.stringify({ pid: 999_999_999, startTime: '1', host: 'other-desk' })}\n`);
    await expect(lockHome(home.path, { hostname: 'this-desk' })).rejects.toThrow(
      `another mcplocal (pid 999999999 on other-desk) holds ${home.path}; stop it first, or give this one its own MCPCTL_HOME (if none runs there, remove ${homeLockPath(home.path)})`,
    );
  });

  it('takes the lock on a file system without hard links, exclusively', async () => {
    noHardLinks.on = true;
    try {
      const lock = await lockHome(home.path);
      expect(JSON.parse(await readFile(homeLockPath(home.path), 'utf8'))).toMatchObject({ pid: process.pid });
      const other = await otherProcess();
      await expect(lockHome(home.path, { pid: other.pid })).rejects.toThrow(`another mcplocal (pid ${String(process.pid)})`);
      lock.release();
    } finally {
      noHardLinks.on = false;
    }
  });

  it('removes its lock on release, and leaves one another mcplocal took since', async () => {
    const lock = await lockHome(home.path);
    lock.release();
    await expect(readFile(homeLockPath(home.path), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    const mine = await lockHome(home.path);
    const other = await otherProcess();
    const taken = `${JSON.stringify({ pid: other.pid, startTime: 'x' })}\n`;
    await writeFile(homeLockPath(home.path), taken);
    mine.release();
    expect(await readFile(homeLockPath(home.path), 'utf8')).toBe(taken);
  });
});
