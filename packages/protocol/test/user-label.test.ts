import { describe, expect, it } from 'vitest';
import { userLabel } from '../src/user-label.js';

describe('userLabel', () => {
  it('names the role, no role, and an admin by a binding as mcpctl status and the dashboard show them', () => {
    expect(userLabel({ name: 'alice', admin: false, role: 'member' })).toBe('alice (member)');
    expect(userLabel({ name: 'root', admin: true, role: 'admin' })).toBe('root (admin)');
    expect(userLabel({ name: 'carl', admin: false, role: null })).toBe('carl (no role)');
    expect(userLabel({ name: 'bea', admin: true, role: 'member' })).toBe('bea (member; admin by a binding)');
    // An older mcpd sends no role: only an admin is marked.
    expect(userLabel({ name: 'dan', admin: false })).toBe('dan');
    expect(userLabel({ name: 'eve', admin: true })).toBe('eve (admin)');
  });
});
