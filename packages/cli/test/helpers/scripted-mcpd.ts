import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LlmView, PoolView } from '@mcpctl/protocol';
import { answerStatus } from './stand-in-status.js';

/** What the test makes the infer route do with one request. */
export type InferScript = (request: { body: Record<string, unknown> }, response: ServerResponse) => Promise<void> | void;

export interface ScriptedMcpd {
  url: string;
  /** Bodies of the infer requests, in arrival order. */
  inferBodies: Array<Record<string, unknown>>;
  /** Paths of the infer requests, in arrival order. */
  inferPaths: string[];
  /** Resolves when an infer request's connection closes before its answer ended. */
  aborted: Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server answering the routes `chat-llm` uses with mcpd's wire shapes,
 * for the parts of the stream contract a real mcpd only produces in rare states (a
 * hibernating model waking, an upstream failing mid-answer).
 */
export async function startScriptedMcpd(llms: LlmView[], infer: InferScript): Promise<ScriptedMcpd> {
  const inferBodies: Array<Record<string, unknown>> = [];
  const inferPaths: string[] = [];
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
  });
  const server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(JSON.stringify({ error: String(error) }));
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('content-type', 'application/json');
    if (request.headers.authorization !== 'Bearer test-token') {
      response.statusCode = 401;
      response.end(JSON.stringify({ error: 'invalid token' }));
      return;
    }
    if (answerStatus(request, response)) return;
    if (request.method === 'GET' && request.url === '/api/v1/llms') {
      response.end(JSON.stringify(llms));
      return;
    }
    // Like mcpd, an LLM answers to its id as well as its name.
    const llm = llms.find((candidate) => request.url === `/api/v1/llms/${candidate.name}` || request.url === `/api/v1/llms/${candidate.id}`);
    if (request.method === 'GET' && llm !== undefined) {
      response.end(JSON.stringify(llm));
      return;
    }
    // Like mcpd, a pool's name answers the pool's view.
    const members = llms.filter((candidate) => candidate.poolName !== null && request.url === `/api/v1/llms/${candidate.poolName}`);
    if (request.method === 'GET' && members.length > 0) {
      response.end(JSON.stringify(poolViewOf(members[0]!.poolName!, members)));
      return;
    }
    if (request.method === 'POST' && /^\/api\/v1\/llms\/[^/]+\/infer$/.test(request.url ?? '')) {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      inferBodies.push(body);
      inferPaths.push(request.url ?? '');
      response.on('close', () => {
        if (!response.writableFinished) onAbort();
      });
      await infer({ body }, response);
      return;
    }
    response.statusCode = 404;
    response.end(JSON.stringify({ error: `not found: ${String(request.url)}` }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inferBodies,
    inferPaths,
    aborted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function poolViewOf(name: string, members: LlmView[]): PoolView {
  const count = (status: string) => members.filter((member) => member.status === status).length;
  return {
    name,
    members: members.map((member) => member.name),
    active: count('active'),
    hibernating: count('hibernating'),
    inactive: count('inactive'),
    inFlight: 0,
    queued: 0,
    coolingDown: [],
    oldestWaitMs: 0,
  };
}

/** Starts an SSE answer. */
export function openEventStream(response: ServerResponse, servedBy?: string): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...(servedBy === undefined ? {} : { 'x-mcpctl-served-by': servedBy }),
  });
}

/** A `chat.completion.chunk` frame with the given delta (and usage, for the last one). */
export function chunkFrame(delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta }], ...extra };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export function usageFrame(completionTokens: number): string {
  const usage = { prompt_tokens: 3, completion_tokens: completionTokens, total_tokens: 3 + completionTokens };
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage })}\n\n`;
}

export function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
