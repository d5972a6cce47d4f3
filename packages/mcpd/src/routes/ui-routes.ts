import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the dashboard's build lands (`packages/web` builds into mcpd's package). */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The page talks to this mcpd alone: no script, style or connection elsewhere, no framing, nothing
 * inline (Preact sets style properties through the CSSOM, which the policy does not cover).
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The dashboard at `/ui`: its files need no token (they hold none); everything it shows comes
 * from the API with the token the user logs in with. A path that is no file is the page itself,
 * so a reload on `/ui/#usage` works.
 */
export function uiRoutes(app: FastifyInstance, dir = UI_DIR): void {
  // The build's files, listed once: a path that is none of them is never looked up on disk or kept.
  const names = listFiles(dir);
  const files = new Map<string, Promise<Buffer | undefined>>();
  const read = (file: string): Promise<Buffer | undefined> => {
    if (!names.has(file)) return Promise.resolve(undefined);
    let content = files.get(file);
    if (!content) {
      content = readFile(join(dir, file)).catch(() => undefined);
      files.set(file, content);
    }
    return content;
  };
  const send = async (reply: FastifyReply, file: string): Promise<FastifyReply> => {
    const content = await read(file);
    if (!content) {
      // A missing asset is a 404 (a stale page after a deploy); any other path is the page itself.
      if (file.startsWith(`assets${sep}`)) return reply.code(404).send({ error: 'no such file' });
      const page = await read('index.html');
      if (!page) return reply.code(404).send({ error: 'the dashboard is not built here; run npm run build, then restart mcpd' });
      return reply.code(200).headers({ ...SECURITY_HEADERS, 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' }).send(page);
    }
    // Built files are named by their content: they never change under the same name.
    const cache = file.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply
      .code(200)
      .headers({ ...SECURITY_HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache })
      .send(content);
  };

  app.get('/ui', (_request, reply) => reply.redirect('/ui/', 301));
  // Someone who opens mcpd's address in a browser is looking for the page, not a 401.
  app.get('/', (_request, reply) => reply.redirect('/ui/', 302));
  app.get('/ui/*', async (request, reply) => send(reply, normalize((request.params as { '*': string })['*'] || 'index.html')));
}

/** Every file under `dir`, as paths relative to it; none when the page is not built. */
function listFiles(dir: string): Set<string> {
  try {
    return new Set(
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(dir, join(entry.parentPath, entry.name))),
    );
  } catch {
    return new Set();
  }
}
