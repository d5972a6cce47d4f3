import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OllamaProvider } from '../../src/providers/ollama/ollama-provider.js';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';

/**
 * A model server whose routes answer what a test puts in `routes` (`METHOD /path` → status and
 * JSON body); anything else is a 404, as on a server without the route.
 */
class RouteServer {
  readonly routes = new Map<string, { status: number; body: unknown }>();
  readonly hits: string[] = [];
  /** When set, every request must carry this Authorization header, as behind a proxy with Basic authentication. */
  authorization: string | undefined;
  private readonly server: Server = createServer((request, response) => {
    const key = `${request.method!} ${request.url!}`;
    this.hits.push(key);
    if (this.authorization !== undefined && request.headers.authorization !== this.authorization) {
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="models"' });
      response.end(JSON.stringify({ error: 'log in' }));
      return;
    }
    const route = this.routes.get(key) ?? { status: 404, body: { error: `no route for ${key}` } };
    response.writeHead(route.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(route.body));
  });
  url = '';

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}

let server: RouteServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('isAvailable sees a backend that answers but sleeps', () => {
  it('openai: a vLLM that lists its models but says it is sleeping is unavailable', async () => {
    server = await new RouteServer().listen();
    server.routes.set('GET /v1/models', { status: 200, body: { object: 'list', data: [{ id: 'qwen' }] } });
    server.routes.set('GET /is_sleeping', { status: 200, body: { is_sleeping: true } });
    for (const url of [server.url, `${server.url}/v1`]) {
      expect(await new OpenAiProvider({ name: 'vllm', url, model: 'qwen', apiKey: 'local-key' }).isAvailable()).toBe(false);
    }
    server.routes.set('GET /is_sleeping', { status: 200, body: { is_sleeping: false } });
    expect(await new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen' }).isAvailable()).toBe(true);
  });

  it('openai: a vLLM behind Basic authentication is probed with the URL\'s user and password', async () => {
    server = await new RouteServer().listen();
    server.authorization = `Basic ${Buffer.from('desk:s3cret pw').toString('base64')}`;
    server.routes.set('GET /v1/models', { status: 200, body: { object: 'list', data: [{ id: 'qwen' }] } });
    server.routes.set('GET /is_sleeping', { status: 200, body: { is_sleeping: true } });
    const url = server.url.replace('http://', 'http://desk:s3cret%20pw@');
    expect(await new OpenAiProvider({ name: 'vllm', url: `${url}/v1`, model: 'qwen' }).isAvailable()).toBe(false);
    server.routes.set('GET /is_sleeping', { status: 200, body: { is_sleeping: false } });
    expect(await new OpenAiProvider({ name: 'vllm', url, model: 'qwen' }).isAvailable()).toBe(true);
    expect(await new OpenAiProvider({ name: 'vllm', url: server.url, model: 'qwen' }).isAvailable()).toBe(false);
  });

  it('openai: a server without /is_sleeping is judged by its model list alone', async () => {
    server = await new RouteServer().listen();
    server.routes.set('GET /v1/models', { status: 200, body: { object: 'list', data: [{ id: 'qwen' }] } });
    expect(await new OpenAiProvider({ name: 'lm-studio', url: server.url, model: 'qwen' }).isAvailable()).toBe(true);
    expect(server.hits).toContain('GET /is_sleeping');
    server.routes.set('GET /v1/models', { status: 503, body: { error: 'loading' } });
    expect(await new OpenAiProvider({ name: 'lm-studio', url: server.url, model: 'qwen' }).isAvailable()).toBe(false);
  });

  it('ollama: a model that was unloaded (keep_alive ran out) is unavailable until it is loaded again', async () => {
    server = await new RouteServer().listen();
    server.routes.set('GET /api/tags', { status: 200, body: { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest' }] } });
    server.routes.set('GET /api/ps', { status: 200, body: { models: [] } });
    const provider = new OllamaProvider({ name: 'ollama', url: server.url, model: 'llama3.2' });
    expect(await provider.isAvailable()).toBe(false);
    server.routes.set('GET /api/ps', { status: 200, body: { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest' }] } });
    expect(await provider.isAvailable()).toBe(true);
  });

  it('ollama: a server without /api/ps is judged by its model list alone', async () => {
    server = await new RouteServer().listen();
    server.routes.set('GET /api/tags', { status: 200, body: { models: [{ name: 'llama3.2:latest' }] } });
    expect(await new OllamaProvider({ name: 'ollama', url: server.url, model: 'llama3.2' }).isAvailable()).toBe(true);
  });
});
