import { describe, expect, it } from 'vitest';
import { LocalEndpointError, ManagedServerError, McplocalError, ProviderError } from '../../src/errors.js';
import { errorAnswer } from '../../src/local-endpoint/send-answer.js';

describe('the status a failure of the local endpoint answers with', () => {
  it('keeps a refusal of the request with its Retry-After, says 504 for a server that never answered, 502 for the rest, and logs each', () => {
    const told: string[] = [];
    const log = { info: () => undefined, warn: (line: string) => told.push(line), error: (line: string) => told.push(line) };
    expect(errorAnswer(new ProviderError(429, 'slow down', { retryAfter: '7' }), log)).toEqual({ status: 429, message: 'slow down', retryAfter: '7' });
    expect(errorAnswer(new ProviderError(504, 'did not start answering within 300 s'), log)).toEqual({ status: 504, message: 'did not start answering within 300 s' });
    expect(errorAnswer(new ProviderError(500, 'CUDA out of memory'), log)).toEqual({ status: 502, message: 'CUDA out of memory' });
    expect(errorAnswer(new ManagedServerError('keeps crashing', { retryAfterSeconds: 42 }), log)).toMatchObject({ status: 503, retryAfter: '42' });
    expect(errorAnswer(new McplocalError('no such provider'), log)).toEqual({ status: 502, message: 'no such provider' });
    // mcpd's own answers are mcpd's to log.
    expect(errorAnswer(new LocalEndpointError(404, 'LLM not found: x'), log)).toMatchObject({ status: 404 });
    expect(told).toHaveLength(5);
  });
});
