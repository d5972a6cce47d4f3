import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { lazyRequestLogger } from '../src/plugins/lazy-request-logger.js';

function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger(level, destination) as unknown as FastifyBaseLogger;
  return { logger, lines };
}

describe('the request logger Fastify makes per request', () => {
  it('makes no pino child until something is logged, then logs as the child would', () => {
    const { logger, lines } = capture();
    let children = 0;
    const parent = Object.create(logger) as FastifyBaseLogger;
    parent.child = (bindings, options) => {
      children += 1;
      return logger.child(bindings, options);
    };
    const log = lazyRequestLogger(parent, { reqId: 'req-7' }, {});
    expect(log.level).toBe('info');
    expect(children).toBe(0);

    log.debug('below the level');
    log.info({ headers: { authorization: 'Bearer secret-token' } }, 'first');
    log.error(new Error('boom'), 'second');
    expect(children).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, reqId: 'req-7', msg: 'first', headers: { authorization: '[redacted]' } }),
      expect.objectContaining({ level: 50, reqId: 'req-7', msg: 'second', err: expect.objectContaining({ message: 'boom' }) }),
    ]);
  });

  it('takes a level of its own, and its children keep the request id', () => {
    const { logger, lines } = capture();
    const log = lazyRequestLogger(logger, { reqId: 'req-8' }, {});
    log.level = 'debug';
    log.debug('now shown');
    log.child({ part: 'body' }).warn('from a child');
    expect(logger.level).toBe('info');
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, reqId: 'req-8', msg: 'now shown' }),
      expect.objectContaining({ level: 40, reqId: 'req-8', part: 'body', msg: 'from a child' }),
    ]);
  });
});
