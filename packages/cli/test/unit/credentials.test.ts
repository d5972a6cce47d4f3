import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsPath, mcpctlHome, resolveCredentials, writeCredentials } from '../../src/credentials.js';
import { ConfigError } from '../../src/errors.js';

let home: string;

beforeEach(async () => {
  home = join(await mkdtemp(join(tmpdir(), 'mcpctl-credentials-')), 'home');
});

afterEach(async () => {
  await rm(join(home, '..'), { recursive: true, force: true });
});

describe('writeCredentials', () => {
  it('creates the directory 0700 and the file 0600', async () => {
    const path = await writeCredentials(home, { mcpdUrl: 'http://127.0.0.1:3100', token: 'secret' });
    expect(path).toBe(credentialsPath(home));
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ mcpdUrl: 'http://127.0.0.1:3100', token: 'secret' });
  });

  it('tightens the mode of an older, world-readable file', async () => {
    await writeCredentials(home, { mcpdUrl: 'http://a', token: 'one' });
    await chmod(credentialsPath(home), 0o644);
    await writeCredentials(home, { mcpdUrl: 'http://a', token: 'two' });
    expect((await stat(credentialsPath(home))).mode & 0o777).toBe(0o600);
  });
});

describe('resolveCredentials', () => {
  it('reads the file MCPCTL_HOME points at', async () => {
    await writeCredentials(home, { mcpdUrl: 'http://file:3100/', token: 'file-token' });
    expect(mcpctlHome({ MCPCTL_HOME: home })).toBe(home);
    expect(await resolveCredentials({}, home)).toEqual({ mcpdUrl: 'http://file:3100', token: 'file-token' });
  });

  it('lets MCPCTL_URL and MCPCTL_TOKEN each override the file', async () => {
    await writeCredentials(home, { mcpdUrl: 'http://file:3100', token: 'file-token' });
    expect(await resolveCredentials({ MCPCTL_URL: 'http://env:1' }, home)).toEqual({ mcpdUrl: 'http://env:1', token: 'file-token' });
    expect(await resolveCredentials({ MCPCTL_TOKEN: 'env-token' }, home)).toEqual({ mcpdUrl: 'http://file:3100', token: 'env-token' });
  });

  it('needs no file when both variables are set', async () => {
    expect(await resolveCredentials({ MCPCTL_URL: 'http://env:1', MCPCTL_TOKEN: 't' }, home)).toEqual({ mcpdUrl: 'http://env:1', token: 't' });
  });

  it('tells the user to log in when nothing is configured', async () => {
    const missing = resolveCredentials({ MCPCTL_TOKEN: 't' }, home);
    await expect(missing).rejects.toBeInstanceOf(ConfigError);
    await expect(missing).rejects.toMatchObject({
      message: 'not logged in (no mcpd URL configured)',
      hint: expect.stringContaining("run 'mcpctl login --url URL --token -'"),
    });
  });

  it('names the file when it is malformed', async () => {
    await writeCredentials(home, { mcpdUrl: 'http://a', token: 't' });
    await writeFile(credentialsPath(home), '{"mcpdUrl": "not a url", "token": ""}');
    await expect(resolveCredentials({}, home)).rejects.toThrow(`${credentialsPath(home)} is invalid: mcpdUrl: must be an http:// or https:// URL; token: must not be empty`);
  });

  it('names the file when its mcpd URL has no scheme', async () => {
    await writeCredentials(home, { mcpdUrl: 'http://a', token: 't' });
    await writeFile(credentialsPath(home), '{"mcpdUrl": "127.0.0.1:13100", "token": "t"}');
    await expect(resolveCredentials({}, home)).rejects.toThrow(`${credentialsPath(home)} is invalid: mcpdUrl: must be an http:// or https:// URL`);
  });

  it('refuses a file whose mcpd URL holds a user name or password', async () => {
    await writeCredentials(home, { mcpdUrl: 'http://a', token: 't' });
    await writeFile(credentialsPath(home), '{"mcpdUrl": "http://alice:hunter2@mcpd.example:3100", "token": "t"}');
    await expect(resolveCredentials({}, home)).rejects.toThrow(
      `${credentialsPath(home)} is invalid: mcpdUrl: must not hold a user name or password; mcpd takes the token alone`,
    );
  });
});
