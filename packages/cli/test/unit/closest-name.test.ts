import { closestName, misspeltChatParameters } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';

describe('closestName, the did-you-mean of apply and the agent parameters', () => {
  it('finds a letter added, dropped, changed or two swapped, and a name cut short', () => {
    const fields = ['name', 'maxConcurrent', 'poolName', 'subjectName', 'subjectKind', 'systemPrompt'];
    expect(closestName('maxConcurent', fields)).toBe('maxConcurrent');
    expect(closestName('systemPromt', fields)).toBe('systemPrompt');
    expect(closestName('poolNmae', fields)).toBe('poolName');
    expect(closestName('PoolName', fields)).toBe('poolName');
    expect(closestName('poolName', fields)).toBeUndefined();
    expect(closestName('subjectNam', fields)).toBe('subjectName');
    // Cut short, but two fields begin so: no guess.
    expect(closestName('subject', fields)).toBeUndefined();
    expect(closestName('subject', ['subjectName', 'role'])).toBe('subjectName');
    expect(closestName('colour', fields)).toBeUndefined();
  });

  it('names the parameter a misspelt default parameter is likely meant to be, and leaves servers’ own alone', () => {
    expect(misspeltChatParameters({ tempreature: 0.5, max_token: 5, top_k: 40, min_p: 0.1, my_server_flag: true, temperature: 1 })).toEqual([
      { name: 'tempreature', meant: 'temperature' },
      { name: 'max_token', meant: 'max_tokens' },
    ]);
  });
});
