import { homedir } from 'node:os';
import { join } from 'node:path';
import { providerEntrySchema, type ProviderEntry } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { managedCommand, servedModelOf, workingDirOf } from '../../src/managed/managed-command.js';

const entry = (fields: Partial<ProviderEntry>): ProviderEntry =>
  providerEntrySchema.parse({ name: 'local', type: 'managed', url: 'http://127.0.0.1:8000', model: 'Qwen/Qwen2.5-7B-Instruct', ...fields });

describe('the command line of a managed server', () => {
  it('fills in vLLM from the model and the address of url, extra args after', () => {
    expect(managedCommand(entry({ preset: 'vllm', args: ['--gpu-memory-utilization', '0.85'] }))).toEqual({
      command: 'vllm',
      args: ['serve', 'Qwen/Qwen2.5-7B-Instruct', '--host', '127.0.0.1', '--port', '8000', '--gpu-memory-utilization', '0.85'],
    });
  });

  it('fills in llama-server with the model file, on an IPv6 loopback without brackets', () => {
    expect(managedCommand(entry({ preset: 'llama.cpp', url: 'http://[::1]:8081/v1', model: '/models/qwen.gguf', args: ['-ngl', '99'] }))).toEqual({
      command: 'llama-server',
      args: ['-m', '/models/qwen.gguf', '--alias', 'qwen', '--host', '::1', '--port', '8081', '-ngl', '99'],
    });
    expect(servedModelOf(entry({ preset: 'llama.cpp', model: '/models/qwen.gguf' }))).toBe('qwen');
  });

  it('serves a model given as a path under its base name, so the path never reaches mcpd', () => {
    const local = entry({ preset: 'vllm', model: '/srv/models/Qwen2.5-7B-Instruct/' });
    expect(managedCommand(local).args).toEqual(['serve', '/srv/models/Qwen2.5-7B-Instruct/', '--host', '127.0.0.1', '--port', '8000', '--served-model-name', 'Qwen2.5-7B-Instruct']);
    expect(servedModelOf(local)).toBe('Qwen2.5-7B-Instruct');
    expect(servedModelOf(entry({ preset: 'vllm' }))).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(servedModelOf(entry({ command: 'python', model: '/srv/models/x' }))).toBe('/srv/models/x');
  });

  it('gives the server a model path, a command and a working directory under ~ with the home directory in its place: no shell expands them', () => {
    const local = entry({ preset: 'vllm', model: '~/models/Qwen2.5-7B-Instruct' });
    expect(managedCommand(local).args.slice(0, 2)).toEqual(['serve', join(homedir(), 'models/Qwen2.5-7B-Instruct')]);
    expect(servedModelOf(local)).toBe('Qwen2.5-7B-Instruct');
    expect(managedCommand(entry({ preset: 'llama.cpp', model: '~/q.gguf' })).args.slice(0, 2)).toEqual(['-m', join(homedir(), 'q.gguf')]);
    expect(managedCommand(entry({ preset: 'vllm', command: '~/venv/bin/vllm' })).command).toBe(join(homedir(), 'venv/bin/vllm'));
    expect(workingDirOf(entry({ preset: 'vllm', cwd: '~/models' }))).toBe(join(homedir(), 'models'));
    expect(workingDirOf(entry({ preset: 'vllm', cwd: '/srv/models' }))).toBe('/srv/models');
    expect(workingDirOf(entry({ preset: 'vllm' }))).toBeUndefined();
  });

  it("runs a preset's program from where command says, and a URL without a port on the scheme's", () => {
    expect(managedCommand(entry({ preset: 'vllm', command: '/opt/venv/bin/vllm', url: 'http://localhost' }))).toEqual({
      command: '/opt/venv/bin/vllm',
      args: ['serve', 'Qwen/Qwen2.5-7B-Instruct', '--host', 'localhost', '--port', '80'],
    });
  });

  it('takes command and args as the whole line without a preset', () => {
    expect(managedCommand(entry({ command: 'python', args: ['-m', 'sglang.launch_server', '--port', '8000'] }))).toEqual({
      command: 'python',
      args: ['-m', 'sglang.launch_server', '--port', '8000'],
    });
  });
});
