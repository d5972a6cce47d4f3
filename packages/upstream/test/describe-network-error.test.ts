import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeNetworkError, networkErrorCode } from '../src/describe-network-error.js';

/** A port nothing listens on: one is bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('describeNetworkError', () => {
  it("names undici's reason beside fetch's own message", async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught);
    expect(describeNetworkError(error)).toBe(`fetch failed (connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  it('adds the code when the message does not hold it, from the error or its cause', () => {
    expect(describeNetworkError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe('other side closed (UND_ERR_SOCKET)');
    expect(describeNetworkError(new Error('socket hang up', { cause: { code: 'ECONNRESET' } }))).toBe('socket hang up (ECONNRESET)');
    expect(describeNetworkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it("names both the cause's words and a code neither text holds, and repeats neither", () => {
    const closed = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(describeNetworkError(new TypeError('terminated', { cause: closed }))).toBe('terminated (other side closed, UND_ERR_SOCKET)');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeNetworkError(new Error('connect ECONNREFUSED 127.0.0.1:1', { cause: refused }))).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(describeNetworkError(new Error('cannot reach x: connect ECONNREFUSED 127.0.0.1:1', { cause: refused }))).toBe(
      'cannot reach x: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('names the addresses of a cause with no message of its own (an AggregateError of every address tried)', () => {
    const cause = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], ''), {
      code: 'ECONNREFUSED',
    });
    expect(describeNetworkError(new TypeError('fetch failed', { cause }))).toBe('fetch failed (connect ECONNREFUSED ::1:1, connect ECONNREFUSED 127.0.0.1:1)');
  });

  it('names every address an AggregateError holds when it has no message of its own', () => {
    const refused = Object.assign(
      new AggregateError([new Error('connect ECONNREFUSED ::1:8000'), new Error('connect ECONNREFUSED 127.0.0.1:8000')], ''),
      { code: 'ECONNREFUSED' },
    );
    expect(describeNetworkError(refused)).toBe('connect ECONNREFUSED ::1:8000, connect ECONNREFUSED 127.0.0.1:8000');
  });

  it("cuts OpenSSL's text to its reason, on one line", () => {
    const error = Object.assign(
      new Error('804C44B5777F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n'),
      { code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
    );
    expect(describeNetworkError(error)).toBe('TLS failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)');
    const fromSocket = Object.assign(new Error(`write EPROTO ${error.message}`), { code: 'EPROTO' });
    expect(describeNetworkError(fromSocket)).toBe('TLS failed: wrong version number (EPROTO)');
    const named = Object.assign(new Error(error.message), { library: 'SSL routines', reason: 'wrong version number', code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(describeNetworkError(named)).toBe('TLS failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)');
  });

  it('puts a message of several lines on one', () => {
    expect(describeNetworkError(new Error('two\nlines '))).toBe('two lines');
  });

  it('reads the words of a cause that is a plain object, and says when nothing gave any', () => {
    expect(describeNetworkError(new Error('fetch failed', { cause: { message: 'socket hang up', code: 'ECONNRESET' } }))).toBe(
      'fetch failed (socket hang up, ECONNRESET)',
    );
    expect(describeNetworkError({ message: 'boom' })).toBe('boom');
    expect(describeNetworkError(new Error(''))).toBe('no reason given');
  });

  it('says what was thrown when it is not an Error', () => {
    expect(describeNetworkError('gone')).toBe('gone');
    expect(describeNetworkError(null)).toBe('null');
  });

  it('finds the code of a failure on the error, its cause, or the first error of an AggregateError', () => {
    expect(networkErrorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(networkErrorCode(new TypeError('fetch failed', { cause: Object.assign(new Error('y'), { code: 'ENOTFOUND' }) }))).toBe('ENOTFOUND');
    const all = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], '');
    expect(networkErrorCode(new TypeError('fetch failed', { cause: all }))).toBe('ECONNREFUSED');
    expect(networkErrorCode(new Error('plain'))).toBeUndefined();
  });
});
