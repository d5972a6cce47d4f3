import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@mcpctl/clock/manual';
import { afterEach, describe, expect, it } from 'vitest';
import { askTokenOwner } from '../../src/channels/ask-token-owner.js';
import { McpdHttpError } from '../../src/errors.js';
import { eventually } from '../support/eventually.js';

let server: Server | undefined;
const held: ServerResponse[] = [];

/** A real HTTP server standing in for mcpd's `GET /api/v1/status`. */
async function startMcpd(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(answer);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const response of held.splice(0)) response.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as Error);

describe('askTokenOwner', () => {
  it("names the token's user as mcpd's status answers it, with the token as the bearer", async () => {
    let authorization: string | undefined;
    const url = await startMcpd((request, response) => {
      authorization = request.headers.authorization;
      response.setHeader('content-type', 'application/json').end(JSON.stringify({ status: 'ok', user: { id: 'usr_1', name: 'alice' } }));
    });
    const owner = await askTokenOwner({ mcpdUrl: `${url}/`, token: 'tok-1', signal: new AbortController().signal });
    expect(owner).toMatchObject({ name: 'alice' });
    expect(authorization).toBe('Bearer tok-1');
  });

  it("rejects with mcpd's refusal, and with the address when mcpd cannot be reached", async () => {
    const url = await startMcpd((_request, response) => {
      response.statusCode = 401;
      response.setHeader('content-type', 'application/json').end(JSON.stringify({ error: 'the token is not valid' }));
    });
    const refused = await failure(askTokenOwner({ mcpdUrl: url, token: 'bad', signal: new AbortController().signal }));
    expect(refused).toBeInstanceOf(McpdHttpError);
    expect(refused?.message).toBe('mcpd answered the status request with HTTP 401: the token is not valid');

    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const unreachable = await failure(askTokenOwner({ mcpdUrl: url, token: 'tok-1', signal: new AbortController().signal }));
    expect(unreachable?.message).toMatch(new RegExp(`^cannot reach mcpd at ${url} for the status request: `));
  });

  it('gives up when the answer has not come, body included, once the timeout passes on its clock, and not before', async () => {
    const clock = new ManualClock();
    const url = await startMcpd((_request, response) => {
      // The head goes out, the body never ends: the deadline bounds the whole exchange.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"status":');
      held.push(response);
    });
    const outcome = failure(askTokenOwner({ mcpdUrl: url, token: 'tok-1', signal: new AbortController().signal, clock, timeoutMs: 5_000 }));
    await eventually('the answer held open', () => held.length === 1);
    clock.advance(4_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    expect((await outcome)?.message).toBe(`mcpd at ${url} did not answer the status request within 5 s`);
    expect(clock.pendingTimers).toBe(0);
  });
});
