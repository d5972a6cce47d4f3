import { describe, expect, it } from 'vitest';
import { newReplicaId } from '../src/composition/replica-id.js';

describe('newReplicaId', () => {
  it('names the host, in characters a NATS subject and a task id keep whole, then a random part', () => {
    expect(newReplicaId('mcpd-5d9f7c-xk2p')).toMatch(/^mcpd-5d9f7c-xk2p-[a-z0-9]{8}$/);
    expect(newReplicaId('GPU_Box.example.com')).toMatch(/^gpu-box-[a-z0-9]{8}$/);
    expect(newReplicaId('...')).toMatch(/^[a-z0-9]{8}$/);
  });

  it("keeps the end of a long host name, where a deployment's pods differ", () => {
    expect(newReplicaId('mcpctl-mcpd-server-production-7d9f6c8b5-xk2p9')).toMatch(/^erver-production-7d9f6c8b5-xk2p9-[a-z0-9]{8}$/);
    expect(newReplicaId('mcpctl-mcpd-server-production-7d9f6c8b5-xk2p9')).not.toBe(newReplicaId('mcpctl-mcpd-server-production-7d9f6c8b5-qq81z'));
    expect(newReplicaId('mcpctl-mcpd-server-production-7d9f6c8b5-xk2p9').length).toBeLessThanOrEqual(32 + 1 + 8);
  });

  it('differs between two processes on one host', () => {
    expect(newReplicaId('box')).not.toBe(newReplicaId('box'));
  });
});
