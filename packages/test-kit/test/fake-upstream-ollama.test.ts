import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKENS, startFakeUpstream, type FakeUpstream } from '../src/index.js';
import { postJson } from './read-stream.js';

let upstream: FakeUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const request = { model: 'llama3:8b', messages: [{ role: 'user', content: 'Why is the sky blue?' }] };
const promptTokens = Math.ceil('Why is the sky blue?'.length / 4);

describe('fake upstream, Ollama native dialect', () => {
  it('streams NDJSON lines, one per token, and a final done line with counts', async () => {
    upstream = await startFakeUpstream({ tokens: ['Rayleigh', ' scattering', '.'] });
    const response = await postJson(`${upstream.url}/api/chat`, request);
    const lines = (await response.text()).split('\n');

    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(lines.at(-1)).toBe('');
    const objects = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects.slice(0, 3)).toEqual(
      ['Rayleigh', ' scattering', '.'].map((content) => ({
        model: 'llama3:8b',
        created_at: expect.any(String),
        message: { role: 'assistant', content },
        done: false,
      })),
    );
    expect(objects[3]).toMatchObject({
      model: 'llama3:8b',
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: promptTokens,
      eval_count: 3,
    });
    expect(objects).toHaveLength(4);
  });

  it('answers one object when stream is false', async () => {
    upstream = await startFakeUpstream();
    const response = await postJson(`${upstream.url}/api/chat`, { ...request, stream: false, options: { num_predict: 4 } });

    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({
      message: { role: 'assistant', content: DEFAULT_TOKENS.slice(0, 4).join('') },
      done: true,
      done_reason: 'length',
      prompt_eval_count: promptTokens,
      eval_count: 4,
    });
  });

  it('lists its model under /api/tags and honours a bearer key', async () => {
    upstream = await startFakeUpstream({ model: 'qwen:0.5b', apiKey: 'ok-key' });
    const refused = await fetch(`${upstream.url}/api/tags`);
    const tags = await fetch(`${upstream.url}/api/tags`, { headers: { authorization: 'Bearer ok-key' } });

    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'invalid API key' });
    expect(await tags.json()).toMatchObject({ models: [{ name: 'qwen:0.5b', model: 'qwen:0.5b' }] });
  });
});
