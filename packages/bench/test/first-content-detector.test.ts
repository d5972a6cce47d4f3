import { describe, expect, it } from 'vitest';
import { FirstContentDetector } from '../src/first-content-detector.js';

const frame = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

describe('FirstContentDetector', () => {
  it('does not count the opening role frame with empty content as the first token', () => {
    const detector = new FirstContentDetector();
    expect(detector.feed(frame({ role: 'assistant', content: '' }))).toBe(false);
    expect(detector.feed(frame({ content: 'Hello' }))).toBe(true);
  });

  it('finds a content frame split across reads, and only once it is complete', () => {
    const body = frame({ role: 'assistant', content: '' }) + frame({ content: 'Hi' });
    const cut = body.length - 10;
    const detector = new FirstContentDetector();
    expect(detector.feed(body.slice(0, cut))).toBe(false);
    expect(detector.feed(body.slice(cut))).toBe(true);
    expect(detector.found).toBe(true);
  });

  it('reads CRLF-framed streams and ignores [DONE] and comments', () => {
    const detector = new FirstContentDetector();
    expect(detector.feed(': keep-alive\r\n\r\ndata: [DONE]\r\n\r\n')).toBe(false);
    expect(detector.feed(frame({ content: 'x' }).replace(/\n/g, '\r\n'))).toBe(true);
  });
});
