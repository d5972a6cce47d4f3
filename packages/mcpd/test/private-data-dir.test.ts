import { describe, expect, it } from 'vitest';
import { unwritableMessage } from '../src/private-data-dir.js';

// A read-only file system takes a mount to make, which a test run may not do; the write
// permission's case runs for real in startup.e2e.test.ts.
describe('the line for a data directory mcpd may not write', () => {
  it('names a read-only file system, for the directory and for the parent it was to be made in', () => {
    expect(unwritableMessage('/srv/mcpd', '/srv/mcpd', 'EROFS')).toBe(
      'the data directory /srv/mcpd is on a read-only file system; mcpd writes its database there: mount it read-write, or give mcpd another directory with --data-dir (it is created when missing)',
    );
    expect(unwritableMessage('/srv/mcpd/data', '/srv', 'EROFS')).toBe(
      'the data directory /srv/mcpd/data cannot be made: /srv is on a read-only file system; mcpd writes its database there: mount it read-write, or give mcpd another directory with --data-dir (it is created when missing)',
    );
  });

  it('names who may not write', () => {
    expect(unwritableMessage('/srv/mcpd', '/srv/mcpd', 'EACCES', 'user mcpd')).toBe(
      'the data directory /srv/mcpd is not writable by user mcpd, who runs mcpd: give that user write access to it, or give mcpd another directory with --data-dir (it is created when missing)',
    );
  });
});
