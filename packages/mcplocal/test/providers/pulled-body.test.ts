import { afterEach, describe, expect, it } from 'vitest';
import { openProviderStream } from '../../src/providers/provider-http.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { eventually } from '../support/eventually.js';

describe('a local server body read by pulling', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    server?.endHeld();
    await server?.close();
    server = undefined;
  });

  const open = () => openProviderStream({ provider: 'vllm', method: 'POST', url: `${server!.url}/v1/chat/completions`, headers: {}, body: {} });

  it('hands every read on in order, then ends', async () => {
    server = await startScriptedServer({ contentType: 'text/plain', chunks: ['one ', 'two ', 'three'], gapMs: 5 });
    let text = '';
    for await (const bytes of await open()) text += Buffer.from(bytes).toString('utf8');
    expect(text).toBe('one two three');
  });

  it('ends a pending read and every later one once returned early, and cuts the server', async () => {
    server = await startScriptedServer({ contentType: 'text/plain', chunks: ['first'], gapMs: 0, holdEnd: true });
    const body = await open();
    const reads = body[Symbol.asyncIterator]();
    expect((await reads.next()).done).toBe(false);
    const pending = reads.next();
    await reads.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await reads.next()).toEqual({ value: undefined, done: true });
    expect(body.destroyed).toBe(true);
    await eventually('the answer cut', () => server!.cutShort === 1);
  });
});
