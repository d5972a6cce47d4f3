import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { StreamForwarder } from '../src/inference/stream-forwarder.js';
import { maskUrl, restoreMaskedUrl } from '../src/security/mask-url.js';
import { sanitizeUpstreamText } from '../src/security/sanitize-upstream-text.js';

describe('sanitizeUpstreamText', () => {
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

  it('leaves ordinary error texts alone', () => {
    for (const text of [
      'the upstream of gpt failed (HTTP 500): Basic authentication is not supported',
      'max_tokens must be at most 4096; prompt_tokens 12000 exceed the context',
      'Token limit exceeded for model qwen3 (see https://example.com/docs?page=2)',
      'model "task-runner" not found',
    ]) {
      expect(sanitizeUpstreamText(text, ['', 'abc'])).toBe(text);
    }
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
});

describe('restoreMaskedUrl', () => {
  const stored = 'https://svc:p%40ss@gw.example.com:8443/v1?X-Amz-Credential=AK%2F2026%2Fus&api_key=s3cret&Signature=a%2Bb';

  it('puts the stored credentials back where a view masked them, whatever else the edit changed', () => {
    expect(restoreMaskedUrl(maskUrl(stored), stored)).toEqual({ url: stored, unknown: [] });
    const moved = maskUrl(stored).replace('gw.example.com:8443', 'gw2.example.com');
    expect(restoreMaskedUrl(moved, stored)).toEqual({ url: stored.replace('gw.example.com:8443', 'gw2.example.com'), unknown: [] });
    // The pairs around a restored one stay as written: a signed URL's other parameters are not re-encoded.
    const query = restoreMaskedUrl('https://gw.example.com/v1?X-Amz-Credential=AK%2F2026%2Fus&api_key=***&x=a+b', stored);
    expect(query).toEqual({ url: 'https://gw.example.com/v1?X-Amz-Credential=AK%2F2026%2Fus&api_key=s3cret&x=a+b', unknown: [] });
  });

  it('leaves a URL without masks as it is, and names each mask nothing stored can replace', () => {
    expect(restoreMaskedUrl('https://bob:new@gw.example.com/v1?api_key=fresh', stored)).toEqual({ url: 'https://bob:new@gw.example.com/v1?api_key=fresh', unknown: [] });
    expect(restoreMaskedUrl('https://***:***@gw.example.com/v1?token=***', null).unknown).toEqual(['user name', 'password', 'query parameter token']);
    expect(restoreMaskedUrl('https://***@gw.example.com/v1?token=***', 'https://gw.example.com/v1?token').unknown).toEqual(['user name', 'query parameter token']);
    // `***` as the value of a parameter views do not mask is a value like any other.
    expect(restoreMaskedUrl('https://gw.example.com/v1?model=***', null)).toEqual({ url: 'https://gw.example.com/v1?model=***', unknown: [] });
  });
});

describe('an upstream error in the middle of a stream', () => {
  it('reaches the caller and the outcome (the audit) masked', () => {
    const written: string[] = [];
    const key = 'zq7-stored-upstream-key';
    const forwarder = new StreamForwarder({ write: (text) => written.push(text), end: () => undefined }, new ManualClock(), { secrets: [key] });
    forwarder.accept([{ type: 'error', message: `the upstream failed mid-stream: overloaded (key ${key}, Authorization: Bearer ${key})` }]);
    const frame = written.join('');
    expect(frame).toContain('overloaded (key ***');
    expect(frame).not.toContain(key);
    expect(forwarder.outcome).toEqual({ ok: false, message: 'the upstream failed mid-stream: overloaded (key ***, Authorization: Bearer ***)' });
  });
});
