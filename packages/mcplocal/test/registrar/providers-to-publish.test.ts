import { systemClock } from '@mcpctl/clock';
import { mcplocalConfigSchema } from '@mcpctl/protocol';
import { makeTempDir } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import { ManagedServers } from '../../src/managed/managed-servers.js';
import { buildRegisterRequest } from '../../src/registrar/register-request.js';
import { providersToPublish } from '../../src/registrar/providers-to-publish.js';

const IDENTITY = { hostname: 'desk', userName: 'alice' };
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('what a managed provider publishes', () => {
  it('the name its server answers to, never the model file on this machine, as hibernating with a command wake', async () => {
    const home = await makeTempDir('publish-managed-');
    try {
      const servers = new ManagedServers({ home: home.path, clock: systemClock, log });
      const config = mcplocalConfigSchema.parse({
        providers: [
          { name: 'coder', type: 'managed', preset: 'llama.cpp', url: 'http://127.0.0.1:8081', model: '/home/alice/models/qwen2.5-coder-7b-q4_k_m.gguf', publish: true, startupTimeoutSeconds: 120 },
        ],
      });
      const published = providersToPublish(config, {}, IDENTITY, systemClock, servers);
      const request = buildRegisterRequest(published, [], () => 'hibernating');
      expect(request.providers).toEqual([
        expect.objectContaining({ name: 'coder', type: 'openai', model: 'qwen2.5-coder-7b-q4_k_m', initialStatus: 'hibernating', wakeRecipe: { kind: 'command', maxWaitSeconds: 120 } }),
      ]);
      expect(JSON.stringify(request)).not.toContain('/home/alice');
    } finally {
      await home.cleanup();
    }
  });
});

describe('what a provider publishes', () => {
  it('a visibility only when config.json names one, so a row its owner made public is not asked back to private', () => {
    const config = mcplocalConfigSchema.parse({
      providers: [
        { name: 'desk', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', publish: true },
        { name: 'shared', type: 'openai', url: 'http://127.0.0.1:8001', model: 'm', publish: true, visibility: 'public' },
      ],
    });
    const request = buildRegisterRequest(providersToPublish(config, {}, IDENTITY, systemClock), [], () => 'active');
    expect(request.providers.map((provider) => [provider.name, provider.visibility])).toEqual([
      ['desk', undefined],
      ['shared', 'public'],
    ]);
  });
});
