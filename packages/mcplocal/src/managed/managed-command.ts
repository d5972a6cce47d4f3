import type { ProviderEntry } from '@mcpctl/protocol';

/** What a preset runs when the entry names no `command` of its own. */
const PRESET_PROGRAMS = { vllm: 'vllm', 'llama.cpp': 'llama-server' } as const;

/**
 * The command line of a managed server. A preset fills it in from `model` and the port of `url`
 * (`vllm serve MODEL --port N`, `llama-server -m FILE --port N`), `args` appended; `command`
 * then names the program when it is not on the PATH under its usual name (a virtualenv's vllm).
 * Without a preset, `command` and `args` are the whole line.
 */
export function managedCommand(entry: ProviderEntry): { command: string; args: string[] } {
  const extra = entry.args ?? [];
  if (entry.preset === undefined) return { command: entry.command ?? '', args: extra };
  const port = portOf(entry.url);
  const command = entry.command ?? PRESET_PROGRAMS[entry.preset];
  switch (entry.preset) {
    case 'vllm':
      return { command, args: ['serve', entry.model, '--port', port, ...extra] };
    case 'llama.cpp':
      return { command, args: ['-m', entry.model, '--port', port, ...extra] };
  }
}

/** The port a server must listen on to serve `url`: its own, else the scheme's. */
export function portOf(url: string): string {
  const parsed = new URL(url);
  return parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
}
