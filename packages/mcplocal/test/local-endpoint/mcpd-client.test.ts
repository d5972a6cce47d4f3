import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { McpdClient } from '../../src/local-endpoint/mcpd-client.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** An mcpd that answers `/v1/models` with `body`, as builds other than this one may word it. */
async function mcpdAnswering(body: unknown): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('McpdClient.models', () => {
  it('takes a model list with only ids, and one with fields it does not know', async () => {
    const minimal = new McpdClient({ url: await mcpdAnswering({ data: [{ id: 'qwen-pool' }] }), token: 't' }, fetch);
    expect(await minimal.models(new AbortController().signal)).toEqual([{ id: 'qwen-pool', object: 'model', created: 0, owned_by: 'mcpd' }]);
    await new Promise((resolve) => server?.close(resolve));

    const extended = { object: 'list', has_more: false, data: [{ id: 'gpt-central', object: 'model', created: 7, owned_by: 'alice', kind: 'public', status: 'active' }] };
    const client = new McpdClient({ url: await mcpdAnswering(extended), token: 't' }, fetch);
    expect(await client.models(new AbortController().signal)).toEqual([{ id: 'gpt-central', object: 'model', created: 7, owned_by: 'alice' }]);
  });
});
