import { freePort } from './free-port.js';
import { FAKE_UPSTREAM_MAIN } from './spawn-fake-upstream.js';

/**
 * An mcplocal provider entry of type `managed` whose server is the fake upstream, run by node on
 * a port free a moment ago. `extra` goes on the fake upstream's command line (`--start-delay-ms`,
 * `--crash-after-ms`, `--latency-ms`); `fields` are laid over the entry.
 */
export async function managedFakeUpstreamEntry(name: string, fields: Record<string, unknown> = {}, extra: readonly string[] = []): Promise<Record<string, unknown>> {
  const port = await freePort();
  return {
    name,
    type: 'managed',
    url: `http://127.0.0.1:${port}/v1`,
    model: 'fake-model',
    command: process.execPath,
    args: [FAKE_UPSTREAM_MAIN, '--port', String(port), ...extra],
    ...fields,
  };
}
