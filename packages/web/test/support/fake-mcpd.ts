import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditRecordView, LiveEventData, LiveEventName, LiveLlmView, StatusView, UsageReport } from '@mcpctl/protocol';

/** The built page (`npm run build -w @mcpctl/web`); `MCPCTL_TEST_UI` points at another build. */
export const UI_DIR = process.env.MCPCTL_TEST_UI ?? fileURLToPath(new URL('../../../mcpd/ui', import.meta.url));

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Answers one request in place of the fake's default. */
export type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => unknown;

/**
 * mcpd as the page sees it, over real HTTP: the built page at `/ui/`, `GET /api/v1/status`, the
 * live stream, usage, audit and chat completions, each answering in mcpd's dialect from state a
 * test sets, or by a handler a test puts in its place. The page's behaviour is the subject here;
 * mcpd's own is tested against the real server (packages/mcpd/test/dashboard.e2e.test.ts).
 */
export class FakeMcpd {
  url = '';
  status = adminStatus();
  /** The lists of the live stream; its `access` event is {@link status}'s user. */
  lists: Omit<LiveEventData, 'access'> = { llms: [], pools: [], agents: [], sessions: [] };
  usage = emptyUsage();
  audit: AuditRecordView[] = [];
  /** `METHOD /path?query` of every API call, in order. */
  readonly calls: string[] = [];
  readonly #handlers = new Map<string, Handler>();
  readonly #streams = new Set<ServerResponse>();
  readonly #server = createServer((request, response) => void this.#answer(request, response));

  static async start(): Promise<FakeMcpd> {
    if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error(`no built page in ${UI_DIR}: npm run build -w @mcpctl/web`);
    const fake = new FakeMcpd();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Answers `path` (without its query) with `handler` until {@link reset}. */
  on(path: string, handler: Handler): void {
    this.#handlers.set(path, handler);
  }

  /** Changes one live list and sends it to every open stream, as mcpd does when it changed. */
  push<Name extends LiveEventName>(name: Name, data: LiveEventData[Name]): void {
    if (name === 'access') this.status = { ...this.status, user: data as LiveEventData['access'] };
    else (this.lists as Record<string, unknown>)[name] = data;
    for (const stream of this.#streams) stream.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Back to the defaults between tests: no handlers, empty lists, an admin, open streams ended. */
  reset(): void {
    this.#handlers.clear();
    this.calls.length = 0;
    this.status = adminStatus();
    this.lists = { llms: [], pools: [], agents: [], sessions: [] };
    this.audit = [];
    this.usage = emptyUsage();
    for (const stream of this.#streams) stream.end();
  }

  async close(): Promise<void> {
    for (const stream of this.#streams) stream.end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    if (url.pathname.startsWith('/ui')) return this.#page(url, response);
    this.calls.push(`${request.method ?? 'GET'} ${url.pathname}${url.search}`);
    const handler = this.#handlers.get(url.pathname);
    if (handler) {
      await handler(request, response, url);
      return;
    }
    switch (url.pathname) {
      case '/api/v1/status':
        return json(response, 200, this.status);
      case '/api/v1/events':
        return this.#stream(response);
      case '/api/v1/usage':
        return json(response, 200, { ...this.usage, by: url.searchParams.get('by') ?? 'llm' });
      case '/api/v1/audit':
        return json(response, 200, this.audit);
      case '/v1/chat/completions':
        return chatAnswer(response, ['Hello', ' there']);
      default:
        return json(response, 404, { error: `no route ${url.pathname}` });
    }
  }

  #page(url: URL, response: ServerResponse): void {
    // As mcpd serves it: a built file by its path, the page itself for any other path under /ui/.
    const wanted = join(UI_DIR, normalize(url.pathname.replace(/^\/ui\/?/, '')).replace(/^(\.\.[/\\])+/, ''));
    const file = wanted.startsWith(UI_DIR) && statSync(wanted, { throwIfNoEntry: false })?.isFile() ? wanted : join(UI_DIR, 'index.html');
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  }

  #stream(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    response.write('retry: 3000\n\n');
    for (const [name, data] of Object.entries({ ...this.lists, access: this.status.user })) response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    this.#streams.add(response);
    response.once('close', () => this.#streams.delete(response));
  }
}

/** What status answers for a user: an admin unless told otherwise. */
export function statusOf(user: Partial<StatusView['user']> = {}): StatusView {
  return { user: { id: 'u1', name: 'root', admin: false, role: null, grants: [], ...user }, server: { version: '0.1.0', database: 'embedded', uptimeSeconds: 1 } };
}

function adminStatus(): StatusView {
  return statusOf({ admin: true, role: 'admin', grants: ['*'] });
}

/** A usage report of the last day with no requests. */
export function emptyUsage(): UsageReport {
  const until = Date.now();
  return { by: 'llm', since: new Date(until - 86_400_000).toISOString(), until: new Date(until).toISOString(), scope: 'everyone', rows: [], hours: [] };
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** A streamed chat answer in the OpenAI dialect mcpd speaks, one chunk per piece, then `[DONE]`. */
export function chatChunk(content: string): string {
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
}

function chatAnswer(response: ServerResponse, pieces: string[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  for (const piece of pieces) response.write(chatChunk(piece));
  response.end('data: [DONE]\n\n');
}

/** An LLM row as the live stream sends it. */
export function llm(name: string, fields: Partial<LiveLlmView> = {}): LiveLlmView {
  const at = new Date().toISOString();
  return {
    id: `id-${name}`, name, kind: 'public', type: 'openai', model: 'm', url: 'http://upstream.invalid/v1', tier: 'fast', description: null,
    poolName: null, visibility: 'public', ownerId: null, owner: null, status: 'active', hasApiKey: false, maxConcurrent: null,
    wakeRecipe: null, lastWakeAt: null, lastWakeMs: null, providerSession: null, lastHeartbeatAt: null, inactiveSince: null,
    createdAt: at, updatedAt: at, inFlight: 0, queued: 0, mayRun: true, ...fields,
  };
}
