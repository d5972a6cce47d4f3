import { describe, expect, it } from 'vitest';
import { providerTransportMode, providerTransportProblems } from '../../src/config/provider-transport.js';

describe('the provider transport setting', () => {
  it('is the environment\'s, else config.json\'s, else auto', () => {
    expect(providerTransportMode({}, {})).toBe('auto');
    expect(providerTransportMode({ transport: 'sse' }, {})).toBe('sse');
    expect(providerTransportMode({ transport: 'sse' }, { MCPLOCAL_PROVIDER_TRANSPORT: 'websocket' })).toBe('websocket');
    expect(providerTransportMode({ transport: 'websocket' }, { MCPLOCAL_PROVIDER_TRANSPORT: 'auto' })).toBe('auto');
    // Set but empty, as a shell leaves `VAR=` : not set.
    expect(providerTransportMode({ transport: 'sse' }, { MCPLOCAL_PROVIDER_TRANSPORT: '' })).toBe('sse');
  });

  it('names a value of the environment that is none of the three', () => {
    expect(providerTransportProblems({ MCPLOCAL_PROVIDER_TRANSPORT: 'sse' })).toEqual([]);
    expect(providerTransportProblems({})).toEqual([]);
    expect(providerTransportProblems({ MCPLOCAL_PROVIDER_TRANSPORT: 'WebSocket' })).toEqual([
      'MCPLOCAL_PROVIDER_TRANSPORT: must be one of "auto", "sse", "websocket", not "WebSocket"',
    ]);
  });
});
