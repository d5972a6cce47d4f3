import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { ProviderEntry } from '@mcpctl/protocol';

/** What a preset runs when the entry names no `command` of its own. */
const PRESET_PROGRAMS = { vllm: 'vllm', 'llama.cpp': 'llama-server' } as const;

/** A preset's model that names a file or directory rather than a model id (`Qwen/Qwen2.5-7B-Instruct`). */
const PATH_LIKE = /^(\/|\.{1,2}\/|~)/;

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
  const command = programOf(entry);
  if (entry.preset === undefined) return { command, args: extra };
  const { host, port } = addressOf(entry.url);
  switch (entry.preset) {
    case 'vllm': {
      const name = servedModelOf(entry);
      const naming = name === entry.model ? [] : ['--served-model-name', name];
      return { command, args: ['serve', modelPathOf(entry) ?? entry.model, '--host', host, '--port', port, ...naming, ...extra] };
    }
    case 'llama.cpp':
      return { command, args: ['-m', modelPathOf(entry) ?? entry.model, '--alias', servedModelOf(entry), '--host', host, '--port', port, ...extra] };
  }
}

/** The program a managed entry runs: `command`, else its preset's usual one. */
export function programOf(entry: ProviderEntry): string {
  return entry.command === undefined ? (entry.preset === undefined ? '' : PRESET_PROGRAMS[entry.preset]) : expandHome(entry.command);
}

/** The directory a managed server runs in (`~` expanded), when the entry names one. */
export function workingDirOf(entry: ProviderEntry): string | undefined {
  return entry.cwd === undefined ? undefined : expandHome(entry.cwd);
}

/** `~` and `~/…` with the home directory in place: no shell stands between mcplocal and the server to do it. */
function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/**
 * The model name a managed server answers to, sent in each request and published to mcpd. A
 * preset given a file or directory serves it under its base name (`qwen2.5-7b-q4_k_m` for
 * `/models/qwen2.5-7b-q4_k_m.gguf`): the path stays on the workstation. A model id (vLLM's
 * `Qwen/Qwen2.5-7B-Instruct`), or any entry without a preset, keeps `model` as it is.
 */
export function servedModelOf(entry: ProviderEntry): string {
  if (entry.type !== 'managed' || entry.preset === undefined) return entry.model;
  return modelPathOf(entry) !== undefined ? basename(entry.model.replace(/\/+$/, '')).replace(/\.gguf$/i, '') || entry.model : entry.model;
}

/**
 * The file or directory a preset's model names, as the server is given it (`~` expanded); a
 * relative path is the server's to resolve from `cwd`. Undefined for a model id, or an entry without a preset.
 */
export function modelPathOf(entry: ProviderEntry): string | undefined {
  if (entry.type !== 'managed' || entry.preset === undefined) return undefined;
  if (entry.preset !== 'llama.cpp' && !PATH_LIKE.test(entry.model)) return undefined;
  return expandHome(entry.model);
}

/** Where a server must listen to serve `url`: its host (IPv6 without brackets) and port, else the scheme's. */
export function addressOf(url: string): { host: string; port: string } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port || (parsed.protocol === 'https:' ? '443' : '80') };
}
