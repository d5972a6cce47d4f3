import { join } from 'node:path';
import { makeTempDir, startFakeUpstream, type FakeUpstream, type FakeUpstreamListenOptions, type TempDir } from '@mcpctl/test-kit';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import type { ProviderToPublish, VirtualLlmRegistrarOptions } from '../../src/registrar/registrar-options.js';
import { VirtualLlmRegistrar } from '../../src/registrar/virtual-llm-registrar.js';
import { startFakeMcpd, type FakeMcpd } from './fake-mcpd.js';

export interface LogLines {
  info: string[];
  warn: string[];
  error: string[];
}

/** A fake mcpd, a fake local model server, a temp MCPCTL_HOME, and registrars wired to them; `close` ends all of it. */
export class RegistrarHarness {
  readonly lines: LogLines = { info: [], warn: [], error: [] };
  private readonly registrars: VirtualLlmRegistrar[] = [];

  private constructor(
    readonly mcpd: FakeMcpd,
    readonly upstream: FakeUpstream,
    readonly home: TempDir,
  ) {}

  static async start(upstreamOptions: FakeUpstreamListenOptions = {}): Promise<RegistrarHarness> {
    const [mcpd, upstream, home] = await Promise.all([startFakeMcpd(), startFakeUpstream(upstreamOptions), makeTempDir('mcplocal-registrar')]);
    return new RegistrarHarness(mcpd, upstream, home);
  }

  get sessionFilePath(): string {
    return join(this.home.path, 'provider-session');
  }

  /** Every log line, as one text, to check that no secret leaked into any of them. */
  get allLines(): string {
    return [...this.lines.info, ...this.lines.warn, ...this.lines.error].join('\n');
  }

  localProvider(overrides: Partial<ProviderToPublish> = {}): ProviderToPublish {
    return {
      provider: new OpenAiProvider({ name: 'local-qwen', url: this.upstream.url, model: 'fake-model' }),
      type: 'openai',
      model: 'qwen2.5-7b',
      ...overrides,
    };
  }

  registrar(overrides: Partial<VirtualLlmRegistrarOptions> = {}): VirtualLlmRegistrar {
    const registrar = new VirtualLlmRegistrar({
      mcpdUrl: this.mcpd.url,
      token: this.mcpd.token,
      publishedProviders: [this.localProvider()],
      sessionFilePath: this.sessionFilePath,
      log: {
        info: (line) => this.lines.info.push(line),
        warn: (line) => this.lines.warn.push(line),
        error: (line) => this.lines.error.push(line),
      },
      heartbeatIntervalMs: 60_000,
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      ...overrides,
    });
    this.registrars.push(registrar);
    return registrar;
  }

  async close(): Promise<void> {
    await Promise.all(this.registrars.map((registrar) => registrar.stop()));
    await Promise.all([this.mcpd.close(), this.upstream.close()]);
    await this.home.cleanup();
  }
}
