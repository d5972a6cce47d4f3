import { describe, expect, it } from 'vitest';
import { retryAfterOfHeaders } from '../src/provider-channel.js';

const now = Date.parse('2026-12-07T12:00:00Z');

describe('how long a server asked to wait', () => {
  it('reads delta-seconds, an HTTP date and retry-after-ms, in whole seconds from 1 to a day', () => {
    expect(retryAfterOfHeaders({ 'retry-after': '7' }, now)).toBe(7);
    expect(retryAfterOfHeaders({ 'retry-after': 'Mon, 07 Dec 2026 12:00:09 GMT' }, now)).toBe(9);
    expect(retryAfterOfHeaders({ 'retry-after': 'Mon, 07 Dec 2026 11:00:00 GMT' }, now)).toBe(1);
    expect(retryAfterOfHeaders({ 'retry-after': '0' }, now)).toBe(1);
    expect(retryAfterOfHeaders({ 'retry-after': '999999' }, now)).toBe(86_400);
    expect(retryAfterOfHeaders({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(2);
    expect(retryAfterOfHeaders({ 'retry-after': ['4', '5'] }, now)).toBe(4);
  });

  it('answers nothing for what is none of them', () => {
    expect(retryAfterOfHeaders({}, now)).toBeUndefined();
    expect(retryAfterOfHeaders({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterOfHeaders({ 'retry-after': '1.5' }, now)).toBeUndefined();
    expect(retryAfterOfHeaders({ 'retry-after': 'never GMT' }, now)).toBeUndefined();
    expect(retryAfterOfHeaders({ 'retry-after-ms': 'later' }, now)).toBeUndefined();
  });
});
