import { join } from 'node:path';
import { ManualClock } from '@mcpctl/clock/manual';
import { wakeRecipeSchema } from '@mcpctl/protocol';
import { makeTempDir, startFakeUpstream, type FakeUpstream, type FakeUpstreamListenOptions, type TempDir } from '@mcpctl/test-kit';
import type { Clock } from '@mcpctl/clock';
import type { ProviderTransportMode } from '@mcpctl/protocol';
import type { BearerToken } from '../../src/bearer-token.js';
import { HttpControlChannel, type HttpControlChannelOptions } from '../../src/channels/http-control-channel.js';
import { NegotiatedControlChannel } from '../../src/channels/negotiated-control-channel.js';
import { WebSocketControlChannel } from '../../src/channels/websocket-control-channel.js';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import type { ProviderToPublish, RegistrarLog, VirtualLlmRegistrarOptions } from '../../src/registrar/registrar-options.js';
import { VirtualLlmRegistrar } from '../../src/registrar/virtual-llm-registrar.js';
import { startFakeMcpd, type FakeMcpd, type FakeMcpdOptions } from './fake-mcpd.js';
import { InMemoryMcpd } from './in-memory-channel.js';

export interface LogLines {
  debug: string[];
  info: string[];
  warn: string[];
  error: string[];
}

/** How a test builds the negotiated channel: the transport mode, where mcpd is (a proxy, say), and its clock and timings. */
export interface NegotiatedChannelSettings {
  mode?: ProviderTransportMode | undefined;
  /** Default: the fake mcpd's URL. */
  url?: string | undefined;
  /** Times the socket's silence and the fallback's hold. Default: the system clock. */
  clock?: Clock | undefined;
  socketRetryMs?: number | undefined;
  /** Default: the fake mcpd's token as it is now. */
  token?: BearerToken | undefined;
}

/**
 * A fake mcpd over HTTP, an in-memory mcpd on a manual clock, a fake local model server, a temp
 * MCPCTL_HOME, and registrars wired to them; `close` ends all of it.
 */
export class RegistrarHarness {
  readonly lines: LogLines = { debug: [], info: [], warn: [], error: [] };
  /** The lines that armed a reconnect (`…; reconnecting in N ms`), a warning or a refusal's error, in order. */
  readonly reconnects: string[] = [];
  /** The time of registrars built by {@link overMemory}: it moves only when the test moves it. */
  readonly clock = new ManualClock();
  /** The mcpd registrars built by {@link overMemory} reach, over an in-memory channel. */
  readonly memory = new InMemoryMcpd(this.clock);
  /** Where registrars and channels built here log: into {@link lines}. */
  readonly log: RegistrarLog = {
    debug: (line) => this.lines.debug.push(line),
    info: (line) => this.lines.info.push(line),
    warn: (line) => this.#note(this.lines.warn, line),
    error: (line) => this.#note(this.lines.error, line),
  };

  #note(lines: string[], line: string): void {
    lines.push(line);
    if (/; reconnecting in \d+ ms$/.test(line)) this.reconnects.push(line);
  }
  private readonly registrars: VirtualLlmRegistrar[] = [];

  private constructor(
    readonly mcpd: FakeMcpd,
    readonly upstream: FakeUpstream,
    readonly home: TempDir,
  ) {}

  static async start(upstreamOptions: FakeUpstreamListenOptions = {}, mcpdOptions: FakeMcpdOptions = {}): Promise<RegistrarHarness> {
    const [mcpd, upstream, home] = await Promise.all([
      startFakeMcpd(mcpdOptions),
      startFakeUpstream(upstreamOptions),
      makeTempDir('mcplocal-registrar'),
    ]);
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

  /** A provider woken through the fake upstream's own `/wake_up` (or `wake`), as a vLLM in sleep mode is. */
  sleepyProvider(wake: Record<string, unknown> = { type: 'http', url: `${this.upstream.url}/wake_up` }): ProviderToPublish {
    return this.localProvider({ publishName: 'qwen-sleepy', wake: wakeRecipeSchema.parse(wake) });
  }

  /** A registrar reaching the fake mcpd over HTTP (SSE + POST) on the system clock, retrying fast. */
  registrar(overrides: Partial<VirtualLlmRegistrarOptions> = {}, channel: Partial<HttpControlChannelOptions> = {}): VirtualLlmRegistrar {
    return this.build({
      channel: new HttpControlChannel({ mcpdUrl: this.mcpd.url, token: this.mcpd.token, ...channel }),
      heartbeatIntervalMs: 60_000,
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      ...overrides,
    });
  }

  /** The channel mcplocal runs with: SSE + POST and the provider socket, negotiated, towards the fake mcpd or `settings.url`. */
  negotiatedChannel(settings: NegotiatedChannelSettings = {}): NegotiatedControlChannel {
    const clock = settings.clock;
    const token = settings.token ?? this.mcpd.token;
    const http = new HttpControlChannel({ mcpdUrl: settings.url ?? this.mcpd.url, token, clock });
    const socket = new WebSocketControlChannel({ http, token, clock });
    return new NegotiatedControlChannel({ http, socket, mode: settings.mode ?? 'auto', log: this.log, clock, socketRetryMs: settings.socketRetryMs });
  }

  /** A registrar over {@link negotiatedChannel} on the system clock, retrying fast. */
  negotiatedRegistrar(settings: NegotiatedChannelSettings = {}, overrides: Partial<VirtualLlmRegistrarOptions> = {}): VirtualLlmRegistrar {
    return this.registrar({ channel: this.negotiatedChannel(settings), ...overrides });
  }

  /** A registrar reaching {@link memory} on {@link clock}, with the production intervals and a jitter of one half. */
  overMemory(overrides: Partial<VirtualLlmRegistrarOptions> = {}): VirtualLlmRegistrar {
    return this.build({ channel: this.memory.connect(), clock: this.clock, random: () => 0.5, ...overrides });
  }

  private build(options: Pick<VirtualLlmRegistrarOptions, 'channel'> & Partial<VirtualLlmRegistrarOptions>): VirtualLlmRegistrar {
    const registrar = new VirtualLlmRegistrar({
      publishedProviders: [this.localProvider()],
      sessionFilePath: this.sessionFilePath,
      log: this.log,
      ...options,
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
