import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { REST_OF_STREAM_MS, sendUpstream, type RestOfStreamTimer } from '../src/index.js';

/** A server that writes `head` at once and ends its body only when the test says. */
async function startHeldServer(head: string) {
  const held: ServerResponse[] = [];
  let cut = 0;
  let connections = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    response.on('close', () => {
      if (!response.writableFinished) cut += 1;
    });
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(head);
    held.push(response);
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`,
    end: () => held.splice(0).forEach((response) => response.end()),
    get cut() {
      return cut;
    },
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Timers the test fires by hand. */
class HandTimer implements RestOfStreamTimer {
  readonly pending: Array<{ ms: number; run: () => void }> = [];
  after(ms: number, run: () => void): () => void {
    const entry = { ms, run };
    this.pending.push(entry);
    return () => {
      const index = this.pending.indexOf(entry);
      if (index >= 0) this.pending.splice(index, 1);
    };
  }
}

const until = async (what: string, check: () => boolean) => {
  for (let tries = 0; tries < 200; tries += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Idle kept-alive connections of the agent's pool for `origin` (an agent keeps a pool per origin; only pools count free ones). */
function freeConnections(agent: Agent, origin: string): number | undefined {
  const stats = agent.stats[origin];
  return stats && 'free' in stats ? stats.free : undefined;
}

describe('sendUpstream', () => {
  let server: Awaited<ReturnType<typeof startHeldServer>> | undefined;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  afterEach(async () => {
    server?.end();
    await server?.close();
    server = undefined;
  });

  const send = (signal: AbortSignal) =>
    sendUpstream({ url: server!.url, method: 'POST', headers: {}, body: '{}' }, { dispatcher: agent, signal, abortReason: () => new Error('the caller left') });

  it("stops a reader still reading, reads the rest despite the caller's abort and cut(), and reuses the connection", async () => {
    server = await startHeldServer('data: [DONE]\n\n');
    const timer = new HandTimer();
    for (let call = 0; call < 2; call += 1) {
      const caller = new AbortController();
      const answer = await send(caller.signal);
      let reads = 0;
      const reading = answer.read(() => (reads += 1) > 0);
      await until('the first read', () => reads === 1);
      answer.readRest(timer);
      await expect(reading).resolves.toBe('stopped');
      caller.abort();
      answer.cut();
      server.end();
      await until('the connection free again', () => freeConnections(agent, new URL(server!.url).origin) === 1);
      expect(timer.pending).toEqual([]);
    }
    expect(server.cut).toBe(0);
    expect(server.connections).toBe(1);
  });

  it('cuts a body still open REST_OF_STREAM_MS after the answer, on the timer it was given', async () => {
    server = await startHeldServer('data: [DONE]\n\n');
    const timer = new HandTimer();
    const answer = await send(new AbortController().signal);
    await expect(answer.read(() => false)).resolves.toBe('stopped');
    answer.readRest(timer);
    expect(timer.pending.map((entry) => entry.ms)).toEqual([REST_OF_STREAM_MS]);
    timer.pending[0]?.run();
    await until('the body cut', () => server!.cut === 1);
  });

  it('cuts a body that goes on writing past REST_OF_STREAM_READS reads after the answer, with no timer firing', async () => {
    let cut = 0;
    let writing = true;
    const writer = createServer((request, response) => {
      request.resume();
      response.on('close', () => {
        if (!response.writableFinished) cut += 1;
      });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: [DONE]\n\n');
      const more = () => {
        if (!writing || response.destroyed) return;
        response.write(': more\n\n');
        setTimeout(more, 5);
      };
      setTimeout(more, 20);
    });
    await new Promise<void>((resolve) => writer.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(writer.address() as AddressInfo).port}/v1/chat/completions`;
      const answer = await sendUpstream({ url, method: 'POST', headers: {}, body: '{}' }, { dispatcher: agent, signal: new AbortController().signal, abortReason: () => new Error('the caller left') });
      await expect(answer.read(() => false)).resolves.toBe('stopped');
      answer.readRest(new HandTimer());
      await until('the body cut', () => cut === 1);
    } finally {
      writing = false;
      writer.closeAllConnections();
      await new Promise<void>((resolve) => writer.close(() => resolve()));
    }
  });

  it("fails a read with the caller's abort reason before the answer is over", async () => {
    server = await startHeldServer('data: {"a":1}\n\n');
    const caller = new AbortController();
    const answer = await send(caller.signal);
    const reading = answer.read(() => true);
    caller.abort();
    await expect(reading).rejects.toThrow('the caller left');
    await until('the body cut', () => server!.cut === 1);
  });

  it("sends a URL's user info as Basic authorization, and a request's own Authorization instead when it has one", async () => {
    const seen: Array<{ authorization: string | undefined; url: string | undefined }> = [];
    const recorder = createServer((request, response) => {
      seen.push({ authorization: request.headers.authorization, url: request.url });
      request.resume();
      response.end('{}');
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const port = (recorder.address() as AddressInfo).port;
    const call = async (url: string, headers: Record<string, string>) => {
      const answer = await sendUpstream({ url, method: 'POST', headers, body: '{}' }, { dispatcher: agent, signal: new AbortController().signal, abortReason: () => new Error('left') });
      await answer.text();
    };
    try {
      await call(`http://al%40ice:p%3Ass%20w@127.0.0.1:${port}/v1/chat/completions?x=1`, { 'content-type': 'application/json' });
      await call(`http://alice:secret@127.0.0.1:${port}/v1/chat/completions`, { Authorization: 'Bearer sk-own' });
      await call(`http://127.0.0.1:${port}/v1/chat/completions`, {});
      // A `%` that starts no escape stands for itself; every escape is its byte, a lone Latin-1 one too.
      await call(`http://bob:p%zz%41%C3%A9%E9@127.0.0.1:${port}/v1/chat/completions`, {});
      expect(seen).toEqual([
        { authorization: `Basic ${Buffer.from('al@ice:p:ss w').toString('base64')}`, url: '/v1/chat/completions?x=1' },
        { authorization: 'Bearer sk-own', url: '/v1/chat/completions' },
        { authorization: undefined, url: '/v1/chat/completions' },
        { authorization: `Basic ${Buffer.concat([Buffer.from('bob:p%zzAé'), Buffer.of(0xe9)]).toString('base64')}`, url: '/v1/chat/completions' },
      ]);
    } finally {
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
    }
  });
});
