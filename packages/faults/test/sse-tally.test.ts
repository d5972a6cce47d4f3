import { describe, expect, it } from 'vitest';
import { SseTally } from '../src/sse-tally.js';

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

function clock(): { now: () => number; set: (ms: number) => void } {
  let value = 0;
  return { now: () => value, set: (ms) => (value = ms) };
}

describe('SseTally', () => {
  it('reads a whole answer split at any byte, with its finish reason and [DONE]', () => {
    const text = `${chunk('Hel')}${chunk('lo', 'stop')}data: [DONE]\n\n`;
    for (let cut = 1; cut < text.length; cut += 7) {
      const tally = new SseTally();
      tally.add(text.slice(0, cut));
      tally.add(text.slice(cut));
      expect([tally.text, tally.finishReason, tally.end(false)]).toEqual(['Hello', 'stop', 'done']);
    }
  });

  it('times the first byte, the first comment and the first content apart', () => {
    const time = clock();
    const tally = new SseTally(time.now);
    time.set(15_000);
    tally.add(': waiting\n\n');
    time.set(20_000);
    tally.add(chunk('Hi'));
    expect([tally.firstByteAt, tally.firstCommentAt, tally.firstContentAt, tally.comments]).toEqual([15_000, 15_000, 20_000, 1]);
  });

  it('tells an error frame from a clean end without [DONE] and from a broken connection', () => {
    const failed = new SseTally();
    failed.add(`${chunk('Hi')}data: {"error":{"message":"the publisher disconnected","type":"upstream_error"}}\n\n`);
    expect([failed.end(false), failed.errorMessage]).toEqual(['error-frame', 'the publisher disconnected']);

    const silent = new SseTally();
    silent.add(chunk('Hi'));
    expect(silent.end(false)).toBe('eof');
    expect(silent.end(true)).toBe('reset');
  });

  it('counts a frame that is not JSON as an error the caller sees', () => {
    const tally = new SseTally();
    tally.add('data: {"choices": [\n\n');
    expect(tally.end(false)).toBe('error-frame');
  });
});
