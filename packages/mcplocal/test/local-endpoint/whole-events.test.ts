import { describe, expect, it } from 'vitest';
import { WholeEvents } from '../../src/local-endpoint/whole-events.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);

describe('WholeEvents', () => {
  it('passes a read of whole events on as it is', () => {
    const events = new WholeEvents();
    const read = bytes('data: {"a":1}\n\ndata: {"b":2}\n\n');
    expect(events.take(read)).toBe(read);
    expect(events.rest()).toHaveLength(0);
  });

  it('holds the part of an event a read ends in until a later read ends it', () => {
    const events = new WholeEvents();
    expect(text(events.take(bytes('data: {"a":1}\n\ndata: {"b"')))).toBe('data: {"a":1}\n\n');
    expect(text(events.take(bytes(':2,"c"')))).toBe('');
    expect(text(events.take(bytes(':3}\n\ndata: {"d"')))).toBe('data: {"b":2,"c":3}\n\n');
    expect(text(events.rest())).toBe('data: {"d"');
    expect(events.rest()).toHaveLength(0);
  });

  it('finds an event end split between two reads, with LF and with CRLF line ends', () => {
    const lf = new WholeEvents();
    expect(text(lf.take(bytes('data: {"a":1}\n')))).toBe('');
    expect(text(lf.take(bytes('\ndata: x')))).toBe('data: {"a":1}\n\n');
    const crlf = new WholeEvents();
    expect(text(crlf.take(bytes('data: {"a":1}\r\n\r')))).toBe('');
    expect(text(crlf.take(bytes('\n')))).toBe('data: {"a":1}\r\n\r\n');
    const acrossThree = new WholeEvents();
    expect(text(acrossThree.take(bytes('data: 1\r')))).toBe('');
    expect(text(acrossThree.take(bytes('\n')))).toBe('');
    expect(text(acrossThree.take(bytes('\r\n: next')))).toBe('data: 1\r\n\r\n');
    expect(text(acrossThree.rest())).toBe(': next');
  });

  it('does not take a line end inside an event for the end of one', () => {
    const events = new WholeEvents();
    expect(text(events.take(bytes('event: message\ndata: {"a":1}\n')))).toBe('');
    expect(text(events.take(bytes('\n')))).toBe('event: message\ndata: {"a":1}\n\n');
  });
});

describe('WholeEvents, bounded', () => {
  it('passes bytes on as they come once more than it may hold have come without an event end', () => {
    const events = new WholeEvents(16);
    expect(text(events.take(bytes('data: 0123456')))).toBe('');
    expect(text(events.take(bytes('789abcdef')))).toBe('data: 0123456789abcdef');
    expect(text(events.take(bytes('\n\ndata: x')))).toBe('\n\n');
    expect(text(events.rest())).toBe('data: x');
  });
});
