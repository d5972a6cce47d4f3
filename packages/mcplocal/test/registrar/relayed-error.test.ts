import { describe, expect, it } from 'vitest';
import { LOCAL_ADDRESS, relayedErrorMessage, withPublishedName } from '../../src/registrar/relayed-error.js';
import { providerSecrets } from '../../src/provider-secrets.js';

describe('relayedErrorMessage', () => {
  it('masks URLs, IPv4 and IPv6 addresses, host:port and resolved host names, and names the published LLM', () => {
    const cases: Array<[string, string]> = [
      [
        'cannot reach provider "desk-qwen" at http://127.0.0.1:8000/v1/chat/completions: fetch failed (connect ECONNREFUSED 127.0.0.1:8000)',
        `qwen-desk: cannot reach provider "desk-qwen" at ${LOCAL_ADDRESS}: fetch failed (connect ECONNREFUSED)`,
      ],
      [
        'the wake request POST http://gpu-box.lan:9000/wake failed: fetch failed (connect ECONNREFUSED 10.0.0.7:9000, getaddrinfo ENOTFOUND gpu-box.lan)',
        `qwen-desk: the wake request POST ${LOCAL_ADDRESS} failed: fetch failed (connect ECONNREFUSED, getaddrinfo ENOTFOUND)`,
      ],
      ['connect ECONNREFUSED ::1:11434', `qwen-desk: connect ECONNREFUSED ${LOCAL_ADDRESS}`],
      ['connect ECONNREFUSED [fe80::1]:8000', `qwen-desk: connect ECONNREFUSED ${LOCAL_ADDRESS}`],
      ['getaddrinfo ENOTFOUND gpu-box.lan', `qwen-desk: getaddrinfo ENOTFOUND ${LOCAL_ADDRESS}`],
      ['the wake request POST https://user:secret@gpu-box.lan:9000/wake did not answer within 10 s', `qwen-desk: the wake request POST ${LOCAL_ADDRESS} did not answer within 10 s`],
      ['provider "desk-qwen" answered HTTP 503: model is loading', 'qwen-desk: provider "desk-qwen" answered HTTP 503: model is loading'],
      ['qwen-desk did not wake within 60 s: the backend did not become ready', 'qwen-desk did not wake within 60 s: the backend did not become ready'],
      ['upstream localhost:8000 reset the connection', `qwen-desk: upstream ${LOCAL_ADDRESS} reset the connection`],
    ];
    for (const [message, relayed] of cases) expect(relayedErrorMessage(message, 'qwen-desk')).toBe(relayed);
  });

  it('masks the hosts of the provider\'s own addresses wherever they appear', () => {
    const message = 'the backend on workstation-7 stopped answering (see workstation-7 logs)';
    expect(relayedErrorMessage(message, 'qwen-desk', ['http://workstation-7:8000', undefined])).toBe(
      `qwen-desk: the backend on ${LOCAL_ADDRESS} stopped answering (see ${LOCAL_ADDRESS} logs)`,
    );
  });

  it("masks the provider's own API key, however the upstream quoted it", () => {
    const key = 'zq6-local-provider-key';
    const message = `provider "desk-qwen" answered HTTP 401: Incorrect API key provided: ${key} (Authorization: Bearer ${key})`;
    const relayed = relayedErrorMessage(message, 'qwen-desk', [], [key, undefined]);
    expect(relayed).toBe('qwen-desk: provider "desk-qwen" answered HTTP 401: Incorrect API key provided: *** (Authorization: Bearer ***)');
  });

  it("masks the password of the provider's URL, as written and decoded", () => {
    const url = 'http://desk:p%40ss@127.0.0.1:8000/v1';
    const message = 'provider "desk-qwen" answered HTTP 401: wrong password p@ss for desk (p%40ss)';
    const relayed = relayedErrorMessage(message, 'qwen-desk', [url], providerSecrets(url, undefined));
    expect(relayed).toBe('qwen-desk: provider "desk-qwen" answered HTTP 401: wrong password *** for desk (***)');
  });
});

describe('withPublishedName', () => {
  it("writes the config's provider name as the published one in mcplocal's own words, which is all mcpd's callers know", () => {
    expect(withPublishedName('clash: something else already listens on its port; stop that program, or give clash another port in its url', 'clash', 'clash-alice')).toBe(
      'clash-alice: something else already listens on its port; stop that program, or give clash-alice another port in its url',
    );
    expect(withPublishedName(`crashy's model server exited while starting`, 'crashy', 'crashy-alice')).toBe(`crashy-alice's model server exited while starting`);
    expect(withPublishedName('cannot reach provider "qwen" at (local address)', 'qwen', 'team-qwen')).toBe('cannot reach provider "team-qwen" at (local address)');
  });

  it("leaves a server's words, and a provider published under its own name, as they are", () => {
    expect(withPublishedName('provider "qwen" answered HTTP 404: model "qwen" not found in /models/qwen.gguf (try qwen:7b)', 'qwen', 'qwen-alice')).toBe(
      'provider "qwen-alice" answered HTTP 404: model "qwen" not found in /models/qwen.gguf (try qwen:7b)',
    );
    expect(withPublishedName('qwen: failed', 'qwen', 'qwen')).toBe('qwen: failed');
    expect(withPublishedName('qwen: failed', undefined, 'qwen-alice')).toBe('qwen: failed');
  });

  it('masks a secret that holds the name before any renaming', () => {
    const relayed = relayedErrorMessage('provider "qwen" answered HTTP 401: bad credentials qwen:hunter2', 'qwen-alice', [], ['qwen:hunter2'], 'qwen');
    expect(relayed).toBe('provider "qwen-alice" answered HTTP 401: bad credentials ***');
  });

  it('leaves no front of a key or local host that the cut of a long failure split', () => {
    const key = 'QZ7Hq2Zp9Wm4Xv-local-key';
    // URLs masking shortens, so what lay past the first cut moves under the last.
    const shrinking = Array.from({ length: 6 }, () => `http://${'h'.repeat(300)}.lan:8000/v1 `).join('');
    for (let split = 1; split < key.length; split += 1) {
      const padding = 'x'.repeat(11_000 - shrinking.length - split);
      const relayed = relayedErrorMessage(`${shrinking}${padding}${key} and more`, 'qwen', ['http://gpu-box.lan:8000'], [key]);
      expect(relayed.length).toBeLessThanOrEqual(10_000);
      expect(relayed).not.toContain(key.slice(0, Math.min(split, 4)));
    }
  });

  it('keeps a huge failure to what mcpd takes, masked in time linear in it', () => {
    for (const said of ['a.'.repeat(200_000), 'a-'.repeat(200_000), 'sk-'.repeat(150_000), `at gpu-box.lan:8000 ${'x'.repeat(50_000)}`]) {
      const startedAt = performance.now();
      const relayed = relayedErrorMessage(said, 'qwen', ['http://127.0.0.1:8000'], ['sk-local-key']);
      expect(performance.now() - startedAt).toBeLessThan(1_000);
      expect(relayed.length).toBeLessThanOrEqual(10_000);
    }
    expect(relayedErrorMessage(`at gpu-box.lan:8000 ${'x'.repeat(50_000)}`, 'qwen')).toMatch(/^qwen: at \(local address\) x+…$/);
  });
});
