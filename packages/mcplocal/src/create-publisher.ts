import type { Clock } from '@mcpctl/clock';
import type { ProviderTransportMode } from '@mcpctl/protocol';
import { askTokenOwner } from './channels/ask-token-owner.js';
import { createControlChannel } from './channels/negotiated-control-channel.js';
import type { LiveCredentials } from './config/live-credentials.js';
import { PublisherCredentials } from './config/publisher-credentials.js';
import type { VirtualLlmRegistrarOptions } from './registrar/registrar-options.js';
import { VirtualLlmRegistrar } from './registrar/virtual-llm-registrar.js';

export interface PublisherSettings extends Omit<VirtualLlmRegistrarOptions, 'channel' | 'credentials' | 'clock'> {
  /** The credentials file as `mcpctl login` last wrote it; its mcpd URL is where the publisher publishes. */
  live: LiveCredentials;
  /** The provider channel's transport: `auto` negotiates the provider socket. */
  mode: ProviderTransportMode;
  clock: Clock;
}

/**
 * The registrar as mcplocal runs it: the negotiated provider channel presenting the provider
 * session's own token (`PublisherCredentials`), which mcpd's status route tells the owner of when
 * `mcpctl login` writes a new one.
 */
export function createPublisher(settings: PublisherSettings): VirtualLlmRegistrar {
  const { live, mode, ...options } = settings;
  const credentials = new PublisherCredentials({
    live,
    ownerOf: (token, signal) => askTokenOwner({ mcpdUrl: live.mcpdUrl, token, signal, clock: settings.clock }),
  });
  return new VirtualLlmRegistrar({
    ...options,
    credentials,
    channel: createControlChannel({ mcpdUrl: live.mcpdUrl, token: () => credentials.token, mode, log: settings.log, clock: settings.clock }),
  });
}
