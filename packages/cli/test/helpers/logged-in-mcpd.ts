import { makeTempDir, spawnMcpd, startFakeUpstream, type FakeUpstream, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { mcpctlInHome, type McpctlRun } from './run-mcpctl.js';

/** mcpd as a child process, a fake upstream, and a home logged in to mcpd as its admin: what an e2e file shares. */
export interface LoggedInMcpd {
  mcpd: SpawnedMcpd;
  upstream: FakeUpstream;
  home: TempDir;
  /** The built mcpctl in `home`: as admin (the stored login), or as someone else with `token`. */
  mcpctl(args: string[], options?: { input?: string; token?: string }): Promise<McpctlRun>;
  close(): Promise<void>;
}

/** Starts them, `name` telling the temporary folders apart; throws when the login fails. */
export async function startLoggedInMcpd(name: string): Promise<LoggedInMcpd> {
  const dataDir = await makeTempDir(`mcpctl-${name}-data`);
  const home = await makeTempDir(`mcpctl-${name}-home`);
  const upstream = await startFakeUpstream();
  const mcpd = await spawnMcpd({ dataDir: dataDir.path });
  const mcpctl = mcpctlInHome(() => home.path);
  const close = async () => {
    await mcpd.stop();
    await upstream.close();
    await home.cleanup();
    await dataDir.cleanup();
  };
  const login = await mcpctl(['login', '--url', mcpd.url, '--token', mcpd.adminToken]);
  if (login.code !== 0) {
    await close();
    throw new Error(`mcpctl login failed: ${login.stderr}`);
  }
  return { mcpd, upstream, home, mcpctl, close };
}
