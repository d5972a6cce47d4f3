import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ProviderEntry } from '@mcpctl/protocol';
import { modelPathOf, programOf, workingDirOf } from '../managed/managed-command.js';
import { findProgram, programFix } from './find-program.js';
import type { IndexedEntry } from './provider-rules.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A path mcplocal would resolve from its own directory, which may be anything under systemd. */
const RELATIVE_WITHOUT_CWD = `is a relative path; give an absolute one (or ~/…), or set "cwd" (mcplocal's own directory may be anything under systemd)`;
const MANAGED_ONLY = ['command', 'args', 'env', 'cwd', 'idleTimeoutSeconds', 'startupTimeoutSeconds', 'preset', 'group'] as const;

/**
 * A managed entry says how to run its server, and the server can be run: its program is found,
 * its directory is absolute, its address is this machine with a port of its own. Any other entry
 * has no use for those fields. A problem found here would otherwise show only at the first
 * request, as a server that keeps crashing.
 */
export function managedProblems(entry: ProviderEntry, at: string, env: NodeJS.ProcessEnv): string[] {
  if (entry.type !== 'managed') {
    const stray = MANAGED_ONLY.filter((field) => entry[field] !== undefined);
    const verb = stray.length === 1 ? 'applies' : 'apply';
    return stray.length > 0 ? [`${at}: ${stray.join(', ')} ${verb} to type "managed" only (mcplocal runs that server itself); remove ${stray.length === 1 ? 'it' : 'them'}, or set "type": "managed"`] : [];
  }
  const problems: string[] = [];
  if (entry.command === undefined && entry.preset === undefined) {
    problems.push(`${at}: type "managed" needs "command" (the model server's program) or "preset" ("vllm" or "llama.cpp")`);
  } else {
    const program = programOf(entry);
    const path = { ...env, ...entry.env }.PATH ?? '';
    const found = findProgram(program, path, workingDirOf(entry));
    if (program.includes('/') && !isAbsolute(program) && entry.cwd === undefined) {
      problems.push(`${at}: command "${program}" ${RELATIVE_WITHOUT_CWD}`);
    } else if (found !== 'found') {
      const field = entry.command === undefined ? `preset "${entry.preset ?? ''}" runs "${program}"` : `command "${program}"`;
      problems.push(`${at}: ${field}, which ${programFix(found, program)}`);
    }
  }
  problems.push(...cwdProblems(workingDirOf(entry), `${at}.cwd`));
  problems.push(...modelPathProblems(entry, `${at}.model`));
  if (entry.wake !== undefined) problems.push(`${at}.wake: a managed server is woken by starting it; remove "wake"`);
  const url = new URL(entry.url);
  if (!LOOPBACK_HOSTS.has(url.hostname)) problems.push(`${at}.url: a managed server runs on this machine; use http://127.0.0.1:PORT`);
  else if (url.port === '') problems.push(`${at}.url: give the port the server is to listen on, as in http://127.0.0.1:8000`);
  return problems;
}

/**
 * Two managed servers on one port: the second start would find the first answering its
 * readiness probe. Members of one group run one at a time, so they may share a port.
 */
export function sharedPortProblems(providers: ReadonlyArray<IndexedEntry<ProviderEntry>>): string[] {
  const problems: string[] = [];
  const byPort = new Map<string, { index: number; group: string | undefined }>();
  for (const { index, entry } of providers) {
    if (entry.type !== 'managed') continue;
    const url = new URL(entry.url);
    if (url.port === '') continue;
    const key = `${url.hostname}:${url.port}`;
    const first = byPort.get(key);
    if (!first) byPort.set(key, { index, group: entry.group });
    else if (first.group === undefined || first.group !== entry.group) {
      problems.push(`config.json: providers[${index}].url: port ${url.port} is also providers[${first.index}]'s; give each managed server its own port, or put both in one group`);
    }
  }
  return problems;
}

/** A preset's model given as a path is there: a wrong one would show only as a crash at the first request. */
function modelPathProblems(entry: ProviderEntry, at: string): string[] {
  const path = modelPathOf(entry);
  if (path === undefined) return [];
  if (!isAbsolute(path) && entry.cwd === undefined) {
    return [`${at}: ${entry.model} ${RELATIVE_WITHOUT_CWD}`];
  }
  // A relative cwd is reported on its own.
  const cwd = workingDirOf(entry);
  if (cwd !== undefined && !isAbsolute(cwd)) return [];
  const where = resolve(cwd ?? '/', path);
  if (!existsSync(where)) return [`${at}: ${where} does not exist; fix the path, or put the model there first`];
  // llama-server loads one GGUF file; vLLM takes a model's directory (or a file).
  if (entry.preset === 'llama.cpp' && statSync(where).isDirectory()) return [`${at}: ${where} is a directory; llama.cpp takes the model's .gguf file`];
  return [];
}

function cwdProblems(cwd: string | undefined, at: string): string[] {
  if (cwd === undefined) return [];
  if (!isAbsolute(cwd)) return [`${at}: give an absolute directory, or one under ~ (mcplocal's own may be anything under systemd)`];
  try {
    if (statSync(cwd).isDirectory()) return [];
  } catch {
    // Reported below, as for a file.
  }
  return [`${at}: ${cwd} is not a directory; create it, or fix the path`];
}
