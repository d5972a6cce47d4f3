import { describe, expect, it } from 'vitest';
import { cutBeforeMasking } from '../src/cut-before-masking.js';

describe('cutBeforeMasking', () => {
  it('leaves a text within the bound as it is', () => {
    expect(cutBeforeMasking('short text', 100, ['secret'])).toBe('short text');
  });

  it('drops the word the cut splits: a URL needs its @ to be masked, a token its length', () => {
    const text = `error at postgres://admin:hunter2hunter2@db/x and more`;
    const cut = cutBeforeMasking(text, text.indexOf('@') - 3, []);
    expect(cut).toBe('error at ');
  });

  it('drops a front of a secret the text then ends with, overlapping secrets in any order', () => {
    // Secrets with spaces in them: the word dropped at the cut is not all of them.
    const first = 'abc def 123';
    const second = '123 xyz';
    const text = 'said: abc def 123 xyz and more';
    for (const secrets of [[first, second], [second, first]]) {
      expect(cutBeforeMasking(text, 'said: abc def 123 '.length, secrets)).toBe('said: ');
    }
  });

  it('drops a front of a secret as URL-encoded', () => {
    const secret = 'pa ss/word';
    const text = `key=${encodeURIComponent(secret)} rest`;
    expect(cutBeforeMasking(text, 'key=pa%20ss'.length, [secret])).toBe('');
  });
});
