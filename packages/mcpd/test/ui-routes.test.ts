import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uiRoutes } from '../src/routes/ui-routes.js';

describe('the dashboard files at /ui', () => {
  let dir: TempDir;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = await makeTempDir('ui-routes-');
    mkdirSync(join(dir.path, 'ui', 'assets'), { recursive: true });
    writeFileSync(join(dir.path, 'ui', 'index.html'), '<!doctype html><title>mcpctl</title>');
    writeFileSync(join(dir.path, 'ui', 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir.path, 'secret.txt'), 'not for the page');
    app = Fastify();
    uiRoutes(app, join(dir.path, 'ui'));
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    await dir.cleanup();
  });

  it('serves the page and its hashed assets with their types, caching and a strict policy', async () => {
    const page = await app.inject({ url: '/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    const asset = await app.inject({ url: '/ui/assets/index-abc123.js' });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/ui' })).headers.location).toBe('/ui/');
  });

  it('answers the page for a path that is no file, and never a file outside its directory', async () => {
    expect((await app.inject({ url: '/ui/usage' })).body).toContain('<title>mcpctl</title>');
    expect((await app.inject({ url: '/ui/assets/index-gone.js' })).statusCode).toBe(404);
    for (const url of ['/ui/..%2fsecret.txt', '/ui/assets/..%2f..%2fsecret.txt', '/ui/%2e%2e/secret.txt']) {
      const answer = await app.inject({ url });
      expect(answer.body).not.toContain('not for the page');
    }
  });

  it('says how to build the page when it is not built', async () => {
    const bare = Fastify();
    uiRoutes(bare, join(dir.path, 'missing'));
    const answer = await bare.inject({ url: '/ui/' });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({ error: 'the dashboard is not built here; run npm run build, then restart mcpd' });
    await bare.close();
  });
});
