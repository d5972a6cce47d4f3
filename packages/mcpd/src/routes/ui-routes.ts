import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
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
 * The page talks to this mcpd alone: no script, style or connection elsewhere, no framing. Inline
 * style attributes are allowed (the chart's legend colours), inline scripts are not.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The dashboard at `/ui`: its files need no token (they hold none); everything it shows comes
 * from the API with the token the user logs in with. A path that is no file is the page itself,
 * so a reload on `/ui/#usage` works.
 */
export function uiRoutes(app: FastifyInstance, dir = UI_DIR): void {
  const files = new Map<string, Buffer | undefined>();
  const read = async (relative: string): Promise<Buffer | undefined> => {
    if (files.has(relative)) return files.get(relative);
    const content = await readFile(join(dir, relative)).catch(() => undefined);
    files.set(relative, content);
    return content;
  };
  const send = async (reply: FastifyReply, relative: string): Promise<FastifyReply> => {
    const content = await read(relative);
    if (!content) {
      const page = await read('index.html');
      if (!page) return reply.code(404).send({ error: 'the dashboard is not built here; run npm run build, then restart mcpd' });
      return reply.code(200).headers({ ...SECURITY_HEADERS, 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' }).send(page);
    }
    // Built files are named by their content: they never change under the same name.
    const cache = relative.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply
      .code(200)
      .headers({ ...SECURITY_HEADERS, 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream', 'cache-control': cache })
      .send(content);
  };

  app.get('/ui', (_request, reply) => reply.redirect('/ui/', 301));
  app.get('/ui/*', async (request, reply) => {
    const wanted = (request.params as { '*': string })['*'] || 'index.html';
    const relative = normalize(wanted);
    if (relative.startsWith('..') || relative.includes(`${sep}..`) || relative.startsWith(sep)) return reply.code(404).send({ error: 'no such file' });
    return send(reply, relative);
  });
}
