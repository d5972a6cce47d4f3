import type { ProviderEntry } from '@mcpctl/protocol';

/** What a preset runs when the entry names no `command` of its own. */
const PRESET_PROGRAMS = { vllm: 'vllm', 'llama.cpp': 'llama-server' } as const;

/**
 * The command line of a managed server. A preset fills it in from `model` and the host and port
 * of `url` (`vllm serve MODEL --host H --port N`, `llama-server -m FILE --host H --port N`),
 * `args` appended; `command` then names the program when it is not on the PATH under its usual
 * name (a virtualenv's vllm). The host is given because vLLM listens on every address unless
 * told: a model server without a key, open to the network. Without a preset, `command` and
 * `args` are the whole line.
 */
export function managedCommand(entry: ProviderEntry): { command: string; args: string[] } {
  const extra = entry.args ?? [];
  if (entry.preset === undefined) return { command: entry.command ?? '', args: extra };
  const { host, port } = addressOf(entry.url);
  const command = entry.command ?? PRESET_PROGRAMS[entry.preset];
  switch (entry.preset) {
    case 'vllm':
      return { command, args: ['serve', entry.model, '--host', host, '--port', port, ...extra] };
    case 'llama.cpp':
      return { command, args: ['-m', entry.model, '--host', host, '--port', port, ...extra] };
  }
}

/** Where a server must listen to serve `url`: its host (IPv6 without brackets) and port, else the scheme's. */
export function addressOf(url: string): { host: string; port: string } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port || (parsed.protocol === 'https:' ? '443' : '80') };
}
