import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run-scenario.js';

const quietProgress = () => undefined;

describe('runScenario', () => {
  it('stops a scenario that hangs at its limit, keeps what it measured, and cleans up', async () => {
    let cleaned = false;
    const result = await runScenario(
      {
        item: 99,
        title: 'hangs',
        timeoutMs: 200,
        async run(context) {
          context.cleanup.add('note the cleanup', async () => {
            cleaned = true;
          });
          context.measure({ name: 'before the hang', measured: '1', target: '1', met: true });
          await new Promise(() => undefined);
        },
      },
      quietProgress,
      { settleMs: 50 },
    );
    expect(cleaned).toBe(true);
    expect(result.met).toBe(false);
    expect(result.failure).toContain('did not finish within 0.2 s');
    expect(result.figures.map((figure) => figure.name)).toEqual(['before the hang']);
  });

  it('turns a scenario that throws into a miss with the reason, never a crash', async () => {
    const result = await runScenario(
      {
        item: 98,
        title: 'throws',
        timeoutMs: 5_000,
        async run() {
          throw new Error('mcpd would not start', { cause: new Error('port in use') });
        },
      },
      quietProgress,
    );
    expect(result.met).toBe(false);
    expect(result.failure).toBe('mcpd would not start: port in use');
  });

  it('meets only when every figure met and something was measured', async () => {
    const run = (met: boolean[]) =>
      runScenario(
        {
          item: 97,
          title: 'measures',
          timeoutMs: 5_000,
          async run(context) {
            met.forEach((value, index) => context.measure({ name: `figure ${index}`, measured: '', target: '', met: value }));
          },
        },
        quietProgress,
      );
    expect((await run([true, true])).met).toBe(true);
    expect((await run([true, false])).met).toBe(false);
    const empty = await run([]);
    expect([empty.met, empty.failure]).toEqual([false, 'measured nothing']);
  });
});
