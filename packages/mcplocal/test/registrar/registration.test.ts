import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistrarHarness } from './registrar-harness.js';

let harness: RegistrarHarness;

beforeEach(async () => {
  harness = await RegistrarHarness.start();
});

afterEach(async () => {
  await harness.close();
});

describe('VirtualLlmRegistrar registration', () => {
  it('logs "nothing to publish" and makes no request when no provider is published', async () => {
    const calls: string[] = [];
    const registrar = harness.registrar(
      { publishedProviders: [] },
      {
        fetch: (input) => {
          calls.push(input instanceof Request ? input.url : String(input));
          return Promise.reject(new Error('no request was expected'));
        },
      },
    );
    await registrar.start();
    expect(calls).toEqual([]);
    expect(harness.mcpd.registrations).toEqual([]);
    expect(harness.lines.info.some((line) => line.includes('nothing to publish'))).toBe(true);
    expect(registrar.getSessionId()).toBeUndefined();
  });

  it('registers every published provider and agent with the fields of the register payload', async () => {
    const registrar = harness.registrar({
      publishedProviders: [
        harness.localProvider({
          publishName: 'qwen-alice',
          tier: 'heavy',
          description: 'Qwen on the desk GPU',
          poolName: 'qwen-pool',
          visibility: 'public',
          maxConcurrent: 2,
        }),
        harness.localProvider({ model: 'llama3' }),
      ],
      publishedAgents: [{ name: 'reviewer', llmName: 'qwen-alice', systemPrompt: 'Review code.' }],
    });
    await registrar.start();
    expect(harness.mcpd.registrations).toEqual([
      {
        providers: [
          {
            name: 'qwen-alice',
            type: 'openai',
            model: 'qwen2.5-7b',
            tier: 'heavy',
            description: 'Qwen on the desk GPU',
            poolName: 'qwen-pool',
            visibility: 'public',
            maxConcurrent: 2,
            initialStatus: 'active',
          },
          { name: 'local-qwen', type: 'openai', model: 'llama3', initialStatus: 'active' },
        ],
        agents: [{ name: 'reviewer', llmName: 'qwen-alice', systemPrompt: 'Review code.' }],
      },
    ]);
    expect(harness.mcpd.streamOpens).toEqual(['session-1']);
  });

  it('fails start with the status and mcpd\'s reason when the registration is refused', async () => {
    harness.mcpd.refuseRegistration = { status: 409, error: 'Cannot publish over public LLM: local-qwen' };
    const registrar = harness.registrar();
    await expect(registrar.start()).rejects.toThrow(
      /HTTP 409.*Cannot publish over public LLM: local-qwen; publish it under another name \(publishName, or publishNameSuffix, in config\.json\)/,
    );
    expect(harness.mcpd.streamOpens).toEqual([]);
  });

  it('fails start with the hint to log in again on a refused token (401), and with mcpd\'s words alone on a 403', async () => {
    harness.mcpd.token = 'a-token-mcpd-revoked';
    await expect(harness.registrar({}, { token: 'test-token-secret' }).start()).rejects.toThrow(
      'mcpd answered the registration with HTTP 401: missing or invalid bearer token (the token in $MCPCTL_HOME/credentials (~/.mcpctl/credentials unless MCPCTL_HOME is set) was refused; run `mcpctl login` again)',
    );
    harness.mcpd.token = 'test-token-secret';
    const refusal = 'provider local-qwen joins pool team as a public member, which needs a create:llms grant naming team (or keep it private)';
    harness.mcpd.refuseRegistration = { status: 403, error: refusal };
    const refused = harness.registrar().start();
    await expect(refused).rejects.toThrow(`mcpd answered the registration with HTTP 403: ${refusal}`);
    await expect(refused).rejects.not.toThrow(/mcpctl login/);
  });

  it('refuses two providers published under one name when it is built', () => {
    expect(() => harness.registrar({ publishedProviders: [harness.localProvider(), harness.localProvider()] })).toThrow(
      /two providers would be published as local-qwen/,
    );
  });

  it('keeps the session id in a 0600 file and presents it on the next start', async () => {
    const first = harness.registrar();
    await first.start();
    expect(first.getSessionId()).toBe('session-1');
    await first.stop();
    expect((await readFile(harness.sessionFilePath, 'utf8')).trim()).toBe('session-1');
    expect((await stat(harness.sessionFilePath)).mode & 0o777).toBe(0o600);

    const second = harness.registrar();
    await second.start();
    expect(harness.mcpd.registrations[1]?.providerSessionId).toBe('session-1');
    expect(harness.mcpd.streamOpens).toEqual(['session-1', 'session-1']);
    expect(harness.allLines).not.toContain('session-1');
    expect(harness.allLines).not.toContain(harness.mcpd.token);
  });

  it('reconnects after the server drops the stream, registering again with the same session first', async () => {
    const registrar = harness.registrar();
    await registrar.start();
    harness.mcpd.dropStreams();
    await harness.mcpd.waitFor('a second stream', () => harness.mcpd.openStreams === 1 && harness.mcpd.streamOpens.length === 2);
    expect(harness.mcpd.registrations.map((registration) => registration.providerSessionId)).toEqual([undefined, 'session-1']);
    expect(harness.mcpd.streamOpens).toEqual(['session-1', 'session-1']);
    expect(harness.lines.warn.some((line) => line.includes('control stream lost'))).toBe(true);
  });

  it('says once that config.json asks for a visibility the row mcpd keeps does not have, and how to change the row', async () => {
    // The row was published private before, and config.json has said public since.
    harness.mcpd.rowVisibility.set('qwen-alice', 'private');
    const registrar = harness.registrar({
      publishedProviders: [harness.localProvider({ publishName: 'qwen-alice', visibility: 'public' }), harness.localProvider({ publishName: 'mine', visibility: 'private' })],
    });
    await registrar.start();
    const told = harness.lines.warn.filter((line) => line.includes('visibility'));
    expect(told).toEqual([
      'config.json makes qwen-alice public, but mcpd keeps it private: visibility is set when mcpd creates the row. ' +
        'To change it: mcpctl get llm qwen-alice -o yaml > qwen-alice.yaml, set visibility: public there, then mcpctl apply -f qwen-alice.yaml',
    ]);
    harness.mcpd.dropStreams();
    await harness.mcpd.waitFor('a second registration', () => harness.mcpd.registrations.length === 2 && harness.mcpd.openStreams === 1);
    expect(harness.lines.warn.filter((line) => line.includes('visibility'))).toEqual(told);
  });

  it('says nothing of visibility when the row has the configured one, or config.json names none', async () => {
    harness.mcpd.rowVisibility.set('shared', 'public');
    const registrar = harness.registrar({
      publishedProviders: [harness.localProvider({ publishName: 'shared' }), harness.localProvider({ publishName: 'mine', visibility: 'private' })],
    });
    await registrar.start();
    expect(harness.mcpd.rowVisibility.get('mine')).toBe('private');
    expect(harness.lines.warn.filter((line) => line.includes('visibility'))).toEqual([]);
  });

  it('stops promptly and leaves nothing that keeps the process alive', async () => {
    const timersBefore = countTimers();
    const registrar = harness.registrar({ heartbeatIntervalMs: 20 });
    await registrar.start();
    await harness.mcpd.waitFor('a heartbeat', () => harness.mcpd.heartbeats.length >= 1);
    harness.mcpd.dropStreams();
    const startedStopping = Date.now();
    await registrar.stop();
    expect(Date.now() - startedStopping).toBeLessThan(500);
    expect(countTimers()).toBeLessThanOrEqual(timersBefore);
    const beats = harness.mcpd.heartbeats.length;
    const registrations = harness.mcpd.registrations.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(harness.mcpd.heartbeats.length).toBe(beats);
    expect(harness.mcpd.registrations.length).toBe(registrations);
  });
});

/** Timers that keep the event loop alive (unref'd ones do not count). */
function countTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
