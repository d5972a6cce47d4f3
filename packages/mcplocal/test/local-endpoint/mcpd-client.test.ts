import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { McpdClient } from '../../src/local-endpoint/mcpd-client.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** An mcpd that answers every request with `body` (and `status`), as builds other than this one may word it. */
async function mcpdAnswering(body: unknown, status = 200): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
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

describe('McpdClient.chat', () => {
  it('says that mcpd refused the workstation\'s own token, and how to log in again, not only mcpd\'s words', async () => {
    const url = await mcpdAnswering({ error: 'the token is not valid' }, 401);
    const client = new McpdClient({ url, token: 't' }, fetch);
    const refused = await client.chat('{}', {}, new AbortController().signal).then(
      () => undefined,
      (error: unknown) => error as { status: number; message: string },
    );
    expect(refused?.status).toBe(401);
    expect(refused?.message).toBe(
      `mcpd refused the token of this workstation's mcpctl credentials (the token is not valid): it is unknown there, revoked or expired; run 'mcpctl login --url ${url} --token -' here, and mcplocal takes the new token without a restart`,
    );
  });

  it('passes mcpd\'s other refusals on in mcpd\'s words', async () => {
    const client = new McpdClient({ url: await mcpdAnswering({ error: 'you may not run qwen' }, 403), token: 't' }, fetch);
    await expect(client.chat('{}', {}, new AbortController().signal)).rejects.toMatchObject({ status: 403, message: 'you may not run qwen' });
  });
});
