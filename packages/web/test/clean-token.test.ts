import { describe, expect, it } from 'vitest';
import { cleanToken } from '../src/api.js';

describe('a pasted token', () => {
  it('loses a Bearer prefix or a whole copied header, and the spaces picked up on the way', () => {
    expect(cleanToken('mcpctl_abc')).toBe('mcpctl_abc');
    expect(cleanToken('  Bearer mcpctl_abc \n')).toBe('mcpctl_abc');
    expect(cleanToken('bearer   mcpctl_abc')).toBe('mcpctl_abc');
    expect(cleanToken('Authorization: Bearer mcpctl_abc')).toBe('mcpctl_abc');
    expect(cleanToken('mcpctl_ab\nc')).toBe('mcpctl_abc');
  });

  it('is empty when only spaces were pasted', () => {
    expect(cleanToken('   ')).toBe('');
  });
});
