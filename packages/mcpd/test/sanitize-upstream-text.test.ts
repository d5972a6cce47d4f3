import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { StreamForwarder } from '../src/inference/stream-forwarder.js';
import { maskUrl, restoreMaskedUrl, secretBehindSemicolon, urlSecrets } from '../src/security/mask-url.js';
import { sanitizeUpstreamText } from '../src/security/sanitize-upstream-text.js';

describe('sanitizeUpstreamText', () => {
  it('masks the credentials of a URL with any number of letters glued before it', () => {
    expect(sanitizeUpstreamText(`see ${'x'.repeat(40)}https://user:pass@host/v1 now`)).toBe(`see ${'x'.repeat(40)}https://***@host/v1 now`);
  });

  it('keeps a long text to 10,000 characters, and no front of the stored key where a cut split it', () => {
    const key = 'Zq9v7Xk2Lm4Np8Rt1Ws3Yu5Ab6Cd0Ef';
    // Bearer tokens masking shortens, so what lay past the first cut moves under the last.
    const shrinking = Array.from({ length: 6 }, () => `Bearer ${'t'.repeat(300)} `).join('');
    for (let split = 1; split < key.length; split += 1) {
      const padding = 'x'.repeat(11_000 - shrinking.length - split);
      const clean = sanitizeUpstreamText(`${shrinking}${padding}${key} and more`, [key]);
      expect(clean.length).toBeLessThanOrEqual(10_000);
      expect(clean).not.toContain(key.slice(0, Math.min(split, 4)));
    }
  });

  it('masks the stored key wherever it appears, also URL-encoded', () => {
    const key = 'zq9/upstream+credential';
    const text = `invalid key ${key}; request was ?k=${encodeURIComponent(key)}`;
    const clean = sanitizeUpstreamText(text, [key]);
    expect(clean).not.toContain(key);
    expect(clean).not.toContain(encodeURIComponent(key));
    expect(clean).toContain('invalid key ***');
  });

  it('masks bearer and basic credentials, provider-style keys, named secrets and URL credentials', () => {
    const text = [
      'Authorization: Bearer eyJhbGciOi.abc-def_ghi',
      'authorization: Basic dXNlcjpwYXNzd29yZA==',
      'Incorrect API key provided: sk-proj-AbCdEf0123456789',
      'anthropic key sk-ant-api03-XyZ987654321',
      '{"api_key": "hunter22secret", "password":"pw-value-1"}',
      'x-api-key=topsecretvalue',
      'calling https://svc:p4ssw0rd@models.example.com/v1?api_key=qsecret&model=x&sig=abc123',
    ].join('\n');
    const clean = sanitizeUpstreamText(text);
    for (const secret of ['eyJhbGciOi.abc-def_ghi', 'dXNlcjpwYXNzd29yZA==', 'AbCdEf0123456789', 'XyZ987654321', 'hunter22secret', 'pw-value-1', 'topsecretvalue', 'p4ssw0rd', 'qsecret', 'abc123']) {
      expect(clean).not.toContain(secret);
    }
    expect(clean).toContain('Bearer ***');
    expect(clean).toContain('sk-***');
    expect(clean).toContain('https://***@models.example.com/v1?api_key=***&model=x&sig=***');
  });

  it('masks a secret pair behind a `;` in a quoted URL, and a secret value holding a `;` whole', () => {
    expect(sanitizeUpstreamText('redirected to https://h.example/v1?model=x;api_key=s3cret&v=2')).toBe('redirected to https://h.example/v1?model=x;api_key=***&v=2');
    expect(sanitizeUpstreamText('see https://h.example/v1?token=ab;cd&v=2')).toBe('see https://h.example/v1?token=***&v=2');
    expect(sanitizeUpstreamText('see https://h.example/v1?a=1;b=2&model=x')).toBe('see https://h.example/v1?a=1;b=2&model=x');
    // A `;` after a name without a value starts a pair too.
    expect(sanitizeUpstreamText('see https://h.example/v1?stream;api_key=s3cret&v=2')).toBe('see https://h.example/v1?stream;api_key=***&v=2');
  });

  it('leaves ordinary error texts alone', () => {
    for (const text of [
      'the upstream of gpt failed (HTTP 500): Basic authentication is not supported',
      'max_tokens must be at most 4096; prompt_tokens 12000 exceed the context',
      'Token limit exceeded for model qwen3 (see https://example.com/docs?page=2)',
      'model "task-runner" not found',
    ]) {
      expect(sanitizeUpstreamText(text, ['', 'no'])).toBe(text);
    }
  });

  it('masks a short password too, from three characters', () => {
    expect(sanitizeUpstreamText('user svc with password Zq9x! is not allowed', ['Zq9x!'])).toBe('user svc with password *** is not allowed');
    expect(sanitizeUpstreamText('key k12 refused', ['k12'])).toBe('key *** refused');
  });
});

describe('maskUrl', () => {
  it('masks user info and secret query parameters, and leaves every other URL as stored', () => {
    expect(maskUrl('https://user:pass@api.example.com/v1')).toBe('https://***:***@api.example.com/v1');
    expect(maskUrl('https://tokenonly@api.example.com/v1')).toBe('https://***@api.example.com/v1');
    expect(maskUrl('https://api.example.com/v1?api-version=2024&api_key=s3cret&Signature=zz')).toBe('https://api.example.com/v1?api-version=2024&api_key=***&Signature=***');
    expect(maskUrl('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000/v1');
    expect(maskUrl('https://api.example.com/v1?model=x')).toBe('https://api.example.com/v1?model=x');
  });

  it('masks as the URL parser reads it a URL written otherwise (backslashes, an @ in the password)', () => {
    expect(maskUrl('http:\\\\user:pw123@host/v1?api_key=zz')).toBe('http://***:***@host/v1?api_key=***');
    expect(maskUrl('http://a:b@c@host/v1')).toBe('http://***:***@host/v1');
    expect(maskUrl('http://v1:v1@host/v1')).toBe('http://***:***@host/v1');
  });
});

describe('restoreMaskedUrl', () => {
  const stored = 'https://svc:p%40ss@GW.example.com:8443/v1?X-Amz-Credential=AK%2F2026%2Fus&scope=a/b&api_key=s3cret&Signature=a%2Bb&x=a%20b';

  it('gives the view of a URL sent back as it was the stored text, byte for byte', () => {
    expect(maskUrl(stored)).toBe('https://***:***@GW.example.com:8443/v1?X-Amz-Credential=***&scope=a/b&api_key=***&Signature=***&x=a%20b');
    expect(restoreMaskedUrl(maskUrl(stored), stored)).toEqual({ url: stored, unknown: [], otherServer: false });
  });

  it('puts the stored values back where a view masked them when the edit kept the server, and nothing else changes', () => {
    const edited = maskUrl(stored).replace('/v1?', '/v2?').replace('x=a%20b', 'x=c');
    expect(restoreMaskedUrl(edited, stored)).toEqual({ url: stored.replace('/v1?', '/v2?').replace('x=a%20b', 'x=c'), unknown: [], otherServer: false });
    // The same server however its host is written; a mask written encoded is a mask too.
    expect(restoreMaskedUrl('https://%2A%2A%2A:***@gw.example.com:8443/v3?api_key=%2A%2A%2A', stored)).toEqual({
      url: 'https://svc:p%40ss@gw.example.com:8443/v3?api_key=s3cret',
      unknown: [],
      otherServer: false,
    });
    // A repeated parameter takes the stored values in order.
    const repeated = 'https://gw.example.com/v1?sig=one&sig=two';
    expect(maskUrl(repeated)).toBe('https://gw.example.com/v1?sig=***&sig=***');
    expect(restoreMaskedUrl('https://gw.example.com/v2?sig=***&sig=***', repeated).url).toBe('https://gw.example.com/v2?sig=one&sig=two');
  });

  it('never sends the stored values to another server: a changed scheme, host or port leaves every mask unknown', () => {
    for (const moved of ['https://***:***@evil.example/v1?api_key=***', 'http://***:***@GW.example.com:8443/v1?api_key=***', 'https://***:***@GW.example.com/v1?api_key=***']) {
      expect(restoreMaskedUrl(moved, stored)).toEqual({ url: moved, unknown: ['user name', 'password', 'query parameter api_key'], otherServer: true });
    }
  });

  it('leaves a URL without masks as it is, and names each mask nothing stored can replace', () => {
    expect(restoreMaskedUrl('https://bob:new@GW.example.com:8443/v1?api_key=fresh', stored)).toEqual({ url: 'https://bob:new@GW.example.com:8443/v1?api_key=fresh', unknown: [], otherServer: false });
    expect(restoreMaskedUrl('https://***:***@gw.example.com/v1?token=***', null).unknown).toEqual(['user name', 'password', 'query parameter token']);
    expect(restoreMaskedUrl('https://***@gw.example.com/v1?token=***', 'https://gw.example.com/v1?token').unknown).toEqual(['user name', 'query parameter token']);
    // `***` as the value of a parameter views do not mask is a value like any other.
    expect(restoreMaskedUrl('https://gw.example.com/v1?model=***', null)).toEqual({ url: 'https://gw.example.com/v1?model=***', unknown: [], otherServer: false });
  });
});

describe('secretBehindSemicolon', () => {
  it('names a secret parameter behind a \';\' in any pair, its name decoded, as written or as parsed', () => {
    expect(secretBehindSemicolon('https://h.example/v1?model=x;api_key=s3cret&v=2')).toBe('api_key');
    expect(secretBehindSemicolon('https://h.example/v1?stream;TOKEN=s3cret')).toBe('TOKEN');
    expect(secretBehindSemicolon('https://h.example/v1?a=1&b=2;api%5Fkey=s3cret')).toBe('api_key');
    expect(secretBehindSemicolon('https://h.example/v1?x=1;sig=abc;fmt=xml')).toBe('sig');
    expect(secretBehindSemicolon('http:\\\\h.example\\v1?x=1;key=abc')).toBe('key');
  });

  it('passes URLs whose secrets are behind \'&\', whose \';\' pairs are not secret, and texts that are not URLs', () => {
    expect(secretBehindSemicolon('https://h.example/v1?model=x&api_key=s3cret')).toBeUndefined();
    expect(secretBehindSemicolon('https://h.example/v1?model=x;fmt=xml&v=2')).toBeUndefined();
    // Inside a secret pair's value, which views show as *** whole.
    expect(secretBehindSemicolon('https://h.example/v1?api_key=A;token=T&v=2')).toBeUndefined();
    expect(maskUrl('https://h.example/v1?api_key=A;token=T&v=2')).toBe('https://h.example/v1?api_key=***&v=2');
    expect(secretBehindSemicolon('https://h.example/v1;api_key=path-param?x=1')).toBeUndefined();
    expect(secretBehindSemicolon('https://h.example/v1?model=x%3Bapi_key=s3cret')).toBeUndefined();
    expect(secretBehindSemicolon('https://h.example/v1#x;api_key=fragment')).toBeUndefined();
    expect(secretBehindSemicolon('not a url;api_key=x')).toBeUndefined();
  });
});

describe('urlSecrets', () => {
  it('answers the decoded credentials a URL carries, for the sanitizer to mask', () => {
    // With the Basic credentials sent for the user info, which a server may quote back without the word Basic.
    expect(urlSecrets('https://svc:p%40ss@gw.example.com/v1?api_key=s3cret&x=1')).toEqual(['svc', 'p@ss', 's3cret', Buffer.from('svc:p@ss').toString('base64')]);
    expect(urlSecrets('http://127.0.0.1:8000/v1')).toEqual([]);
    expect(urlSecrets(null)).toEqual([]);
  });
});

describe('an upstream quoting the Basic credentials made of its URL', () => {
  it('has them masked, bare as well as after the word Basic', () => {
    const url = 'http://usr:SECRETPW123@gw.example.com/v1';
    const sent = Buffer.from('usr:SECRETPW123').toString('base64');
    expect(sanitizeUpstreamText(`rejected b64=${sent} and Basic ${sent}`, urlSecrets(url))).toBe('rejected b64=*** and Basic ***');
  });
});

describe('an upstream error in the middle of a stream', () => {
  it('reaches the caller and the outcome (the audit) masked', () => {
    const written: string[] = [];
    const key = 'zq7-stored-upstream-key';
    const forwarder = new StreamForwarder({ write: (text) => written.push(typeof text === 'string' ? text : new TextDecoder().decode(text)), end: () => undefined }, new ManualClock(), { secrets: () => [key] });
    forwarder.accept([{ type: 'error', message: `the upstream failed mid-stream: overloaded (key ${key}, Authorization: Bearer ${key})` }]);
    const frame = written.join('');
    expect(frame).toContain('overloaded (key ***');
    expect(frame).not.toContain(key);
    expect(forwarder.outcome).toEqual({ ok: false, message: 'the upstream failed mid-stream: overloaded (key ***, Authorization: Bearer ***)' });
  });
});
