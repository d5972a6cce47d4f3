import { describe, expect, it } from 'vitest';
import { newReplicaId } from '../src/composition/replica-id.js';

describe('newReplicaId', () => {
  it('names the host, in characters a NATS subject and a task id keep whole, then a random part', () => {
    expect(newReplicaId('mcpd-5d9f7c-xk2p')).toMatch(/^mcpd-5d9f7c-xk2p-[a-z0-9]{8}$/);
    expect(newReplicaId('GPU.Box.example.com')).toMatch(/^gpu-box-example-com-[a-z0-9]{8}$/);
    expect(newReplicaId('a-very-long-host-name-that-goes-on-and-on.example.com')).toMatch(/^a-very-long-host-name-th-[a-z0-9]{8}$/);
    expect(newReplicaId('...')).toMatch(/^[a-z0-9]{8}$/);
  });

  it('differs between two processes on one host', () => {
    expect(newReplicaId('box')).not.toBe(newReplicaId('box'));
  });
});
