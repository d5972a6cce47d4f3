import type { LookupAddress } from 'node:dns';
import { networkInterfaces } from 'node:os';
import { startFakeUpstream, testDatabaseVariants } from '@mcpctl/test-kit';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { forbiddenKindOfAddress } from '../src/security/forbidden-address.js';
import { ForbiddenUpstreamError, UpstreamAddressGuard, type ResolveHost } from '../src/security/upstream-address-guard.js';
import { startTestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();

/** DNS as a table a test can change: names not in it do not resolve. */
function fakeDns(table: Record<string, string[]>): { resolve: ResolveHost; asked: string[]; table: Record<string, string[]> } {
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked, table };
}

function lanAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
}

describe('forbidden upstream addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.45.6.7', 'loopback'],
    ['0.0.0.0', 'loopback'],
    ['::1', 'loopback'],
    ['::', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['169.254.169.254', 'instance-metadata'],
    ['169.254.170.2', 'instance-metadata'],
    ['fd00:ec2::254', 'instance-metadata'],
    ['100.100.100.200', 'instance-metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['::ffff:169.254.1.1', 'link-local'],
    // IPv6 forms that carry an IPv4 address a host with NAT64 or a 6to4 relay routes to.
    ['::127.0.0.1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b:1::a9fe:a9fe', 'instance-metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'instance-metadata'],
  ])('%s is %s', (address, kind) => {
    expect(forbiddenKindOfAddress(address)).toBe(kind);
  });

  it.each(['10.0.0.1', '192.168.1.10', '172.16.0.5', '8.8.8.8', '100.64.0.1', 'fd00::2', 'fec0::1', '2001:db8::1', '64:ff9b::8.8.8.8', '2002:c000:201::1', 'not-an-address'])(
    '%s is allowed',
    (address) => {
      expect(forbiddenKindOfAddress(address)).toBeUndefined();
    },
  );
});

describe('UpstreamAddressGuard', () => {
  it('checks every resolved address of a name, and IP literals and well-known names without asking DNS', async () => {
    const dns = fakeDns({ 'split.test': ['203.0.113.5', '::1'], 'fine.test': ['203.0.113.5', '2001:db8::5'], 'meta.test': ['169.254.169.254'] });
    const guard = new UpstreamAddressGuard(dns.resolve);
    expect((await guard.check('http://split.test:8000/v1'))?.message).toBe(
      "the URL's host split.test resolves to a loopback address (::1); only admins may point an LLM at loopback, link-local or instance-metadata addresses",
    );
    expect((await guard.check('https://META.test./v1'))?.kind).toBe('instance-metadata');
    expect(await guard.check('http://fine.test:8000/v1')).toBeUndefined();
    // A name that does not resolve now cannot be reached either; the connection check runs later.
    expect(await guard.check('http://nowhere.test/v1')).toBeUndefined();
    expect(dns.asked).toEqual(['split.test', 'meta.test', 'fine.test', 'nowhere.test']);
    expect((await guard.check('http://[::1]:8000/v1'))?.kind).toBe('loopback');
    expect((await guard.check('http://api.localhost/v1'))?.kind).toBe('loopback');
    expect((await guard.check('http://metadata.google.internal/'))?.kind).toBe('instance-metadata');
    expect(await guard.check('http://203.0.113.9:8000/v1')).toBeUndefined();
    expect(dns.asked).toHaveLength(4);
  });

  it('answers a connection lookup like dns.lookup, and refuses a name with any forbidden address', async () => {
    const dns = fakeDns({ 'two.test': ['203.0.113.5', '2001:db8::5'], 'rebound.test': ['203.0.113.5', '127.0.0.1'] });
    const guard = new UpstreamAddressGuard(dns.resolve);
    const lookup = (hostname: string, options: object) =>
      new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
        guard.lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
      );
    expect(await lookup('two.test', { all: true })).toMatchObject({ error: null, address: [{ address: '203.0.113.5', family: 4 }, { address: '2001:db8::5', family: 6 }] });
    expect(await lookup('two.test', {})).toMatchObject({ error: null, address: '203.0.113.5', family: 4 });
    expect(await lookup('two.test', { family: 6 })).toMatchObject({ error: null, address: '2001:db8::5', family: 6 });
    const refused = await lookup('rebound.test', { all: true });
    expect(refused.error).toBeInstanceOf(ForbiddenUpstreamError);
    expect(refused.error?.message).toContain('resolves to a loopback address (127.0.0.1)');
    expect((await lookup('nowhere.test', {})).error?.message).toBe('getaddrinfo ENOTFOUND nowhere.test');
  });

  it('keeps an HTTP client whose connections use it away from a server on loopback', async () => {
    const upstream = await startFakeUpstream();
    const agent = new Agent({ connect: { lookup: new UpstreamAddressGuard(fakeDns({ 'model.test': ['127.0.0.1'] }).resolve).lookup } });
    try {
      const call = request(`http://model.test:${new URL(upstream.url).port}/v1/models`, { dispatcher: agent });
      await expect(call).rejects.toThrow("the URL's host model.test resolves to a loopback address (127.0.0.1)");
      expect(upstream.requests).toHaveLength(0);
      // Control: the same server by its address, through an unguarded client.
      expect((await request(`${upstream.url}/v1/models`)).statusCode).toBe(200);
    } finally {
      await agent.close();
      await upstream.close();
    }
  });
});

describe('URLs of LLMs owned by non-admins, with DNS that changes', () => {
  it('checks the name again when mcpd calls the upstream: a name moved to loopback after create is refused (502)', async () => {
    const lan = lanAddress();
    // On every address, so the control below can reach it through the machine's own LAN address.
    const upstream = await startFakeUpstream({ host: lan ? '0.0.0.0' : '127.0.0.1' });
    const port = new URL(upstream.url).port;
    const dns = fakeDns({ 'rebind.test': ['203.0.113.5'], 'good.test': [lan ?? '203.0.113.6'] });
    const mcpd = await startTestServer({ database: await embedded!.open(), resolveHost: dns.resolve });
    try {
      expect((await mcpd.api('/api/v1/users', { json: { name: 'dana', role: 'member' } })).status).toBe(201);
      const { token } = (await (await mcpd.api('/api/v1/tokens', { json: { user: 'dana', name: 'test' } })).json()) as { token: string };
      expect((await mcpd.api('/api/v1/rolebindings', { json: { name: 'dana-creates', subjectKind: 'user', subjectName: 'dana', permissions: ['create:llms'] } })).status).toBe(201);
      const llm = (name: string, host: string) => ({ name, type: 'openai', model: 'fake-model', url: `http://${host}:${port}/v1` });

      expect((await mcpd.api('/api/v1/llms', { token, json: llm('rebinding', 'rebind.test') })).status).toBe(201);
      dns.table['rebind.test'] = ['127.0.0.1'];
      const refused = await mcpd.api('/api/v1/llms/rebinding/infer', { token, json: { messages: [{ role: 'user', content: 'Hi' }] } });
      expect(refused.status).toBe(502);
      expect(((await refused.json()) as { error: string }).error).toBe(
        "cannot reach the upstream of rebinding: the URL's host rebind.test resolves to a loopback address (127.0.0.1); only admins may point an LLM at loopback, link-local or instance-metadata addresses",
      );
      expect(upstream.requests).toHaveLength(0);
      // At create time the same answer is a 400.
      const created = await mcpd.api('/api/v1/llms', { token, json: llm('rebinding-2', 'rebind.test') });
      expect(created.status).toBe(400);

      // Control: a name on an allowed address goes through the same checked connections and is answered.
      expect((await mcpd.api('/api/v1/llms', { token, json: llm('good', 'good.test') })).status).toBe(201);
      if (lan) {
        const answered = await mcpd.api('/api/v1/llms/good/infer', { token, json: { messages: [{ role: 'user', content: 'Hi' }] } });
        expect(answered.status).toBe(200);
        expect(upstream.requests).toHaveLength(1);
      }
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  });
});
