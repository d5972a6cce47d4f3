import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { SCRIPTED_CHUNKS, SCRIPTED_USAGE, sseBody } from '@mcpctl/test-kit';
import type { StreamPart } from '../src/inference/dialect.js';
import { openAiDialect } from '../src/inference/open-ai-dialect.js';
import { StreamForwarder, type SseSink } from '../src/inference/stream-forwarder.js';

function recordingSink() {
  const writes: string[] = [];
  let ended = 0;
  const sink: SseSink = { write: (text) => writes.push(typeof text === 'string' ? text : new TextDecoder().decode(text)), end: () => (ended += 1) };
  return { sink, writes, ended: () => ended };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null, forward = true): StreamPart {
  const value = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] };
  return { type: 'chunk', data: JSON.stringify(value), chunk: value, forward };
}

describe('StreamForwarder', () => {
  it('writes each batch of parts in one write, as it comes', () => {
    const { sink, writes } = recordingSink();
    const clock = new ManualClock();
    clock.advance(5);
    const forwarder = new StreamForwarder(sink, clock);
    forwarder.accept([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' })]);
    forwarder.accept([chunk({ content: 'lo' })]);
    expect(writes).toHaveLength(2);
    expect(writes[0]).toContain('"content":"Hel"');
    expect(forwarder.firstTokenAt).toBe(5);
  });

  it('adds a finish chunk before [DONE] when the source gave none', () => {
    const { sink, writes, ended } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    forwarder.accept([chunk({ content: 'x' })]);
    expect(forwarder.accept([{ type: 'done' }])).toBe(true);
    const frames = writes.join('').trim().split('\n\n');
    expect((JSON.parse(frames.at(-2)!.slice(6)) as { choices: Array<{ finish_reason: unknown }> }).choices[0]?.finish_reason).toBe('stop');
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(ended()).toBe(1);
  });

  it('finishes every choice the source sent and left unfinished, before the usage it held back', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const of = (index: number, finish: string | null) => {
      const value = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [{ index, delta: { content: `x${index}` }, finish_reason: finish }] };
      return { type: 'chunk' as const, data: JSON.stringify(value), chunk: value, forward: true };
    };
    const usage = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    forwarder.accept([of(0, null), of(1, 'length'), of(2, null)]);
    forwarder.accept([{ type: 'chunk', data: JSON.stringify(usage), chunk: usage, forward: true }, { type: 'done' }]);
    const frames = writes.join('').trim().split('\n\n').map((frame) => frame.slice('data: '.length));
    expect(frames).toHaveLength(6);
    // Choices 0 and 2 never finished; 1 did, with its own reason.
    expect((JSON.parse(frames[3]!) as { choices: unknown[] }).choices).toEqual([
      { index: 0, delta: {}, finish_reason: 'stop' },
      { index: 2, delta: {}, finish_reason: 'stop' },
    ]);
    expect(frames[4]).toBe(JSON.stringify(usage));
    expect(frames[5]).toBe('[DONE]');
    expect(forwarder.usage).toEqual(usage.usage);
  });

  it('writes a usage it held right after the finish that ends the last choice, ahead of a later usage', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const usageOf = (total: number) => {
      const value = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: total - 1, total_tokens: total } };
      return { type: 'chunk' as const, data: JSON.stringify(value), chunk: value, forward: true };
    };
    forwarder.accept([chunk({ content: 'x' }), usageOf(2), chunk({}, 'stop'), usageOf(6), { type: 'done' }]);
    const totals = [...writes.join('').matchAll(/"total_tokens":(\d+)/g)].map((match) => Number(match[1]));
    expect(totals).toEqual([2, 6]);
    expect(writes.join('').match(/finish_reason":"/g)).toHaveLength(1);
  });

  it('takes the choices a server numbered from 1 as they are', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const value = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [{ index: 1, delta: { content: 'x' }, finish_reason: 'stop' }] };
    forwarder.accept([{ type: 'chunk', data: JSON.stringify(value), chunk: value, forward: true }]);
    forwarder.sourceEnded();
    expect(forwarder.outcome).toEqual({ ok: true });
    expect(writes.join('').match(/finish_reason":"/g)).toHaveLength(1);
  });

  it('makes up no choice the server never sent (one that ignored n), and fails a stream ended with a choice unfinished', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    forwarder.accept([chunk({ content: 'x' }), chunk({}, 'stop'), { type: 'done' }]);
    expect(writes.join('').match(/finish_reason":"/g)).toHaveLength(1);
    const cut = recordingSink();
    const second = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [{ index: 1, delta: { content: 'y' }, finish_reason: null }] };
    const cutShort = new StreamForwarder(cut.sink, new ManualClock());
    cutShort.accept([chunk({ content: 'x' }, 'stop'), { type: 'chunk', data: JSON.stringify(second), chunk: second, forward: true }]);
    cutShort.sourceEnded();
    expect(cutShort.outcome).toEqual({ ok: false, message: 'the upstream closed the stream before it finished' });
  });

  it('passes the usage at once when every choice had finished', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const usage = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } };
    forwarder.accept([chunk({ content: 'x' }, 'stop'), { type: 'chunk', data: JSON.stringify(usage), chunk: usage, forward: true }]);
    expect(writes.join('')).toContain('"usage":{"prompt_tokens":1');
  });

  it('does not add a second finish chunk', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    forwarder.accept([chunk({ content: 'x' }), chunk({}, 'length'), { type: 'done' }]);
    expect(writes.join('').match(/finish_reason":"/g)).toHaveLength(1);
  });

  it('ends a source that stops without a finish reason with an error frame, never a clean end', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    forwarder.accept([chunk({ content: 'half' })]);
    forwarder.sourceEnded();
    const text = writes.join('');
    expect(text).toContain('"error":{"message":"the upstream closed the stream before it finished"');
    expect(text).not.toContain('[DONE]');
    expect(forwarder.outcome).toEqual({ ok: false, message: 'the upstream closed the stream before it finished' });
  });

  it('completes a source that gave its finish reason but no [DONE]', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    forwarder.accept([chunk({ content: 'x' }, 'stop')]);
    forwarder.sourceEnded();
    expect(writes.join('')).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('keeps usage from frames it does not forward, for the audit', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };
    const value = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm', choices: [], usage };
    forwarder.accept([{ type: 'chunk', data: JSON.stringify(value), chunk: value, forward: false }]);
    expect(writes).toEqual([]);
    expect(forwarder.usage).toEqual(usage);
  });

  it('ignores parts after the end', () => {
    const { sink, writes, ended } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    forwarder.fail('boom');
    forwarder.accept([chunk({ content: 'late' })]);
    forwarder.sourceEnded();
    expect(writes).toHaveLength(1);
    expect(ended()).toBe(1);
  });

  it('makes the finish chunk it owes from the last chunk it passed on unread', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const plain = '{"id":"c9","object":"chat.completion.chunk","created":7,"model":"served","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}';
    forwarder.accept([chunk({ content: 'first' }), { type: 'chunk', data: plain, forward: true }, { type: 'done' }]);
    const frames = writes.join('').trim().split('\n\n');
    expect(frames.at(-3)).toBe(`data: ${plain}`);
    expect(JSON.parse(frames.at(-2)!.slice(6))).toEqual({ id: 'c9', created: 7, model: 'served', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  });
});

describe('the OpenAI stream decoder and the forwarder together', () => {
  const forward = (chunks: readonly string[], includeUsage: boolean, collectContent = false) => {
    const { sink, writes } = recordingSink();
    const clock = new ManualClock();
    const forwarder = new StreamForwarder(sink, clock, { collectContent });
    const decoder = openAiDialect.createStreamDecoder({ model: 'bench', includeUsage, created: 1, collectContent });
    for (const data of [...chunks, '[DONE]']) forwarder.accept(decoder.decode({ data }));
    return { text: writes.join(''), forwarder };
  };

  it('writes every chunk as it came, byte for byte, reading only what it must', () => {
    const { text, forwarder } = forward(SCRIPTED_CHUNKS, true);
    expect(text).toBe(sseBody(SCRIPTED_CHUNKS));
    expect(forwarder.usage).toMatchObject(SCRIPTED_USAGE);
    expect(forwarder.outcome).toEqual({ ok: true });
    expect(forwarder.firstTokenAt).toBe(0);
  });

  it('keeps the usage for the audit while leaving out the usage chunk the caller did not ask for', () => {
    const { text, forwarder } = forward(SCRIPTED_CHUNKS, false);
    expect(text).toBe(sseBody(SCRIPTED_CHUNKS.slice(0, -1)));
    expect(forwarder.usage).toMatchObject(SCRIPTED_USAGE);
  });

  it.each([
    ['text', '{"content":"Hi"}'],
    ['text that starts with an escaped quote', '{"content":"\\"quoted\\""}'],
    ['reasoning_content', '{"content":null,"reasoning_content":"thinking"}'],
    ['reasoning', '{"reasoning":"thinking"}'],
    ['a tool call', '{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}'],
  ])('times the first token at the first frame with output (%s), looking at the frames before it unparsed', (_case, delta) => {
    const { sink } = recordingSink();
    const clock = new ManualClock();
    const forwarder = new StreamForwarder(sink, clock);
    const decoder = openAiDialect.createStreamDecoder({ model: 'bench', includeUsage: false, created: 1 });
    const frame = (body: string) =>
      `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${body},"logprobs":{"content":[{"token":"x","logprob":-0.1}]},"finish_reason":null}]}`;
    for (const before of ['{"role":"assistant","content":""}', '{"content":null}', '{"tool_calls":[]}']) {
      forwarder.accept(decoder.decode({ data: frame(before) }));
      clock.advance(10);
    }
    forwarder.accept(decoder.decode({ data: frame(delta) }));
    clock.advance(10);
    forwarder.accept(decoder.decode({ data: frame('{"content":"more"}') }));
    expect(forwarder.firstTokenAt).toBe(30);
  });

  it('times the first token by any choice, parsed or not', () => {
    const clock = new ManualClock();
    const second = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""}},{"index":1,"delta":{"content":"B"}}]}';
    const plain = new StreamForwarder(recordingSink().sink, clock);
    plain.accept(openAiDialect.createStreamDecoder({ model: 'bench', includeUsage: false, created: 1 }).decode({ data: second }));
    const read = new StreamForwarder(recordingSink().sink, clock);
    read.accept(openAiDialect.createStreamDecoder({ model: 'bench', includeUsage: false, created: 1, collectContent: true }).decode({ data: second }));
    expect([plain.firstTokenAt, read.firstTokenAt]).toEqual([0, 0]);
  });

  it('with n above one, reads every chunk, so a made-up finish names the choices the server sent', () => {
    const { sink, writes } = recordingSink();
    const forwarder = new StreamForwarder(sink, new ManualClock());
    const decoder = openAiDialect.createStreamDecoder({ model: 'bench', includeUsage: false, created: 1, choices: 2 });
    const frame = (index: number, content: string) => `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":${index},"delta":{"content":"${content}"},"finish_reason":null}]}`;
    for (const data of [frame(0, 'a'), frame(1, 'b'), frame(0, 'c'), frame(1, 'd'), '[DONE]']) forwarder.accept(decoder.decode({ data }));
    const made = writes.join('').trim().split('\n\n').at(-2)!;
    expect((JSON.parse(made.slice('data: '.length)) as { choices: Array<{ index: number }> }).choices.map((choice) => choice.index)).toEqual([0, 1]);
  });

  it('reads every chunk when the answer is kept as text', () => {
    expect(forward(SCRIPTED_CHUNKS, false, true).forwarder.content).toBe('\u00e9t\u00e9 "usage": 4 four.');
  });

  it('ends the stream with an error frame on an error frame after output has flowed', () => {
    const failing = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"error":{"message":"KV cache exhausted"}}';
    const { text, forwarder } = forward([SCRIPTED_CHUNKS[0]!, SCRIPTED_CHUNKS[2]!, failing], false);
    expect(text).toBe(`data: ${SCRIPTED_CHUNKS[0]!}\n\ndata: ${SCRIPTED_CHUNKS[2]!}\n\ndata: {"error":{"message":"the upstream failed mid-stream: KV cache exhausted","type":"upstream_error"}}\n\n`);
    expect(forwarder.outcome).toEqual({ ok: false, message: 'the upstream failed mid-stream: KV cache exhausted' });
  });
});
