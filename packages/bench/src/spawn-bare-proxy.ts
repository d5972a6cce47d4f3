import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLine, spawnService, type SpawnedService } from '@mcpctl/test-kit';

const here = fileURLToPath(import.meta.url);

/** The compiled entry point; from the TypeScript source (tests) the built one still runs, as plain Node cannot run TypeScript. */
export const BARE_PROXY_MAIN = here.endsWith('.ts')
  ? join(dirname(here), '..', 'dist', 'bare-proxy-main.js')
  : join(dirname(here), 'bare-proxy-main.js');

export type SpawnedBareProxy = SpawnedService<string> & { url: string };

/** Runs the reference proxy in front of `upstreamUrl` (an OpenAI base URL) in its own process. */
export async function spawnBareProxy(upstreamUrl: string, model: string): Promise<SpawnedBareProxy> {
  const service = await spawnService({
    name: 'bare-proxy',
    main: BARE_PROXY_MAIN,
    args: ['--upstream', upstreamUrl, '--model', model],
    startTimeoutMs: 10_000,
    ready: (line) => {
      const url = parseLogLine(line)?.url;
      return typeof url === 'string' ? url : undefined;
    },
  });
  return { ...service, url: service.value };
}
