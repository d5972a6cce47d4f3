import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderRegistry, startLocalEndpoint, type LocalEndpoint } from '../../src/index.js';

const WHOLE_EVENT = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n';
const HALF_EVENT = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"ind';

/*
 * The endpoint forwarding a stream from an mcpd that sends one whole event and half of the next,
 * then stops sending (a large event on its way) or breaks: the caller must get the whole event
 * and the error frame, never the half event in front of it.
 */
describe('the local endpoint forwarding a stream that ends mid-event', () => {
  let mcpd: Server;
  let endpoint: LocalEndpoint;
  let onChat: (response: ServerResponse) => void;

  beforeEach(async () => {
    mcpd = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        response.write(WHOLE_EVENT + HALF_EVENT);
        onChat(response);
      });
    });
    await new Promise<void>((resolve) => mcpd.listen(0, '127.0.0.1', resolve));
    const { port } = mcpd.address() as AddressInfo;
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    endpoint = await startLocalEndpoint({ registry: new ProviderRegistry(), mcpd: { url: `http://127.0.0.1:${port}`, token: 'alice-token' }, port: 0, log });
  });

  afterEach(async () => {
    await endpoint.close();
    mcpd.closeAllConnections();
    await new Promise<void>((resolve) => mcpd.close(() => resolve()));
  });

  /** Reads the caller's whole stream; `whenStarted` runs once its first bytes are in. */
  async function readStream(whenStarted: () => Promise<void> | void): Promise<string> {
    const response = await fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice-token' },
      body: JSON.stringify({ model: 'team-llm', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    const started = whenStarted();
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value, { stream: true });
    await started;
    return text;
  }

  /** The events of a stream, each parsed as its `data:` JSON: a half event would fail here, as in a client. */
  const parsedEvents = (text: string) => text.split('\n\n').filter(Boolean).map((event) => JSON.parse(event.replace(/^data: /, '')) as unknown);

  it('ends with the error frame after the last whole event when mcplocal stops', async () => {
    onChat = () => undefined;
    const text = await readStream(() => endpoint.close());
    expect(text.startsWith(WHOLE_EVENT)).toBe(true);
    expect(parsedEvents(text)).toEqual([
      expect.objectContaining({ object: 'chat.completion.chunk' }),
      { error: { message: 'mcplocal is stopping: the answer ends here', type: 'upstream_error', status: 503 } },
    ]);
  });

  it('ends with the error frame after the last whole event when the connection to mcpd breaks', async () => {
    let cut: () => void = () => undefined;
    onChat = (response) => (cut = () => response.destroy());
    const text = await readStream(() => cut());
    expect(text.startsWith(WHOLE_EVENT)).toBe(true);
    expect(parsedEvents(text)).toEqual([
      expect.objectContaining({ object: 'chat.completion.chunk' }),
      { error: { message: expect.stringContaining('the connection to mcpd broke mid-answer') as string, type: 'upstream_error' } },
    ]);
  });

  it('passes the rest of the event on once mcpd sends it', async () => {
    onChat = (response) => setTimeout(() => response.end('ex":0,"delta":{"content":" there"}}]}\n\ndata: [DONE]\n\n'), 20);
    const text = await readStream(() => undefined);
    expect(text).toBe(`${WHOLE_EVENT}${HALF_EVENT}ex":0,"delta":{"content":" there"}}]}\n\ndata: [DONE]\n\n`);
  });
});
