import { providerTransportModeSchema, type McplocalConfig, type ProviderTransportMode } from '@mcpctl/protocol';

/** Forces the provider channel's transport for this run, over config.json's `transport`: `auto`, `sse` or `websocket`. */
export const PROVIDER_TRANSPORT_ENV = 'MCPLOCAL_PROVIDER_TRANSPORT';

/** What is wrong with the environment's transport setting, in the words of a config problem; empty when it is unset or valid. */
export function providerTransportProblems(env: NodeJS.ProcessEnv): string[] {
  const value = env[PROVIDER_TRANSPORT_ENV];
  if (value === undefined || value === '' || providerTransportModeSchema.safeParse(value).success) return [];
  const choices = providerTransportModeSchema.options.map((option) => JSON.stringify(option)).join(', ');
  return [`${PROVIDER_TRANSPORT_ENV}: must be one of ${choices}, not ${JSON.stringify(value)}`];
}

/** The transport this run uses: the environment's, else config.json's, else `auto`. Expects a checked environment. */
export function providerTransportMode(config: Pick<McplocalConfig, 'transport'>, env: NodeJS.ProcessEnv): ProviderTransportMode {
  const parsed = providerTransportModeSchema.safeParse(env[PROVIDER_TRANSPORT_ENV]);
  return parsed.success ? parsed.data : (config.transport ?? 'auto');
}
