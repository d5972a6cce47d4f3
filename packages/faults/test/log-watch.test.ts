import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogWatch } from '../src/log-watch.js';

const line = (msg: string) => `${JSON.stringify({ level: 30, msg })}\n`;

describe('LogWatch', () => {
  it('finds a line already read, and waits for one still to come, even split across reads', async () => {
    const stream = new PassThrough();
    const watch = new LogWatch(stream);
    stream.write(line('control stream open: serving tasks from mcpd'));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await watch.waitFor((l) => l.message.startsWith('control stream open'), { timeoutMs: 100 }))?.message).toContain('serving');

    const after = performance.now();
    const later = watch.waitFor((l) => l.message.startsWith('control stream open'), { after, timeoutMs: 2_000 });
    const text = line('control stream open again');
    stream.write('not json at all\n');
    stream.write(text.slice(0, 10));
    stream.write(Buffer.from(text.slice(10)));
    const found = await later;
    expect(found?.message).toBe('control stream open again');
    expect(found!.at).toBeGreaterThanOrEqual(after);
    expect(watch.lines).toHaveLength(2);
  });

  it('answers undefined when no matching line comes in time', async () => {
    const watch = new LogWatch(new PassThrough());
    expect(await watch.waitFor(() => true, { timeoutMs: 30 })).toBeUndefined();
  });
});
