import { describe, expect, it } from 'vitest';
import { maskUrl, withoutMasks } from '../src/security/mask-url.js';

describe('a masked URL whose sealed original is lost', () => {
  it('loses the parts its masks stand in for, and keeps every other part as written', () => {
    expect(withoutMasks(maskUrl('http://desk:pw@127.0.0.1:9/v1?api_key=sk-1&region=eu#top'))).toBe('http://127.0.0.1:9/v1?region=eu#top');
    expect(withoutMasks(maskUrl('http://token@127.0.0.1:9/v1'))).toBe('http://127.0.0.1:9/v1');
    expect(withoutMasks('http://h/v1?api_key=%2A%2A%2A')).toBe('http://h/v1');
    // A `***` the view did not write (a parameter that is not secret-looking) is a value of its own.
    expect(withoutMasks('http://h/v1?a=***&api_key=***')).toBe('http://h/v1?a=***');
    expect(withoutMasks('http://h/v1?model=***')).toBe('http://h/v1?model=***');
    expect(withoutMasks('http://h/v1?region=eu')).toBe('http://h/v1?region=eu');
  });
});
