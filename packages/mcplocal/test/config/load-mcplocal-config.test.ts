import { chmod, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMcplocalConfig } from '../../src/config/load-mcplocal-config.js';
import { mcplocalHome } from '../../src/config/mcplocal-home.js';
import { ConfigError } from '../../src/errors.js';

const IDENTITY = { hostname: 'alice-laptop.local', userName: 'alice' };
const CREDENTIALS = { mcpdUrl: 'http://mcpd.internal:3100', token: 'tok_123' };

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

describe('loadMcplocalConfig', () => {
  let home: TempDir;
  const writeConfig = (value: unknown) => writeFile(join(home.path, 'config.json'), typeof value === 'string' ? value : JSON.stringify(value));
  const writeCredentials = async (value: unknown, mode = 0o600) => {
    const path = join(home.path, 'credentials');
    await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value), { mode });
    await chmod(path, mode);
  };

  beforeEach(async () => {
    home = await makeTempDir('mcplocal-config');
  });
  afterEach(async () => {
    await home.cleanup();
  });

  it('loads a valid config with its defaults, and the credentials', async () => {
    await writeConfig({
      publishNameSuffix: 'hostname',
      providers: [
        { name: 'vllm-qwen', type: 'openai', url: 'http://127.0.0.1:8000', model: 'Qwen/Qwen3-8B', apiKeyEnv: 'VLLM_KEY', publish: true },
        { name: 'ollama', type: 'ollama', url: 'http://127.0.0.1:11434', model: 'llama3.2', wake: { type: 'command', command: process.execPath } },
      ],
      agents: [{ name: 'reviewer', llmName: 'vllm-qwen-alice-laptop', systemPrompt: 'Review code.' }],
    });
    await writeCredentials(CREDENTIALS);
    const { config, credentials } = await loadMcplocalConfig(home.path, { VLLM_KEY: 'secret' }, { identity: IDENTITY });
    expect(credentials).toEqual(CREDENTIALS);
    expect(config.providers[0]).toMatchObject({ name: 'vllm-qwen', publish: true });
    // Not named, not defaulted: mcpd makes a new row private, and a row kept public stays so without a warning.
    expect(config.providers[0]?.visibility).toBeUndefined();
    expect(config.providers[1]).toMatchObject({ publish: false, wake: { type: 'command', args: [], maxWaitSeconds: 60 } });
    expect(config.agents).toHaveLength(1);
  });

  it('says what a number out of range should be, in words', async () => {
    await writeConfig({
      providers: [
        { name: 'busy', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', maxConcurrent: 0, wake: { type: 'command', command: 'true', maxWaitSeconds: -1 } },
        { name: 'slow', type: 'managed', url: 'http://127.0.0.1:8001', model: 'm', preset: 'vllm', idleTimeoutSeconds: 0, startupTimeoutSeconds: 'long' },
        { name: 'far', type: 'openai', url: 'http://127.0.0.1:99999', model: 'm' },
        { name: 'quoted', type: 'openai', url: 'http://127.0.0.1:8002', model: 'm', maxConcurrent: '4' },
        { name: 'half', type: 'openai', url: 'http://127.0.0.1:8003', model: 'm', maxConcurrent: 1.5 },
      ],
    });
    expect((await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }))).sort()).toEqual([
      'config.json: providers[0].maxConcurrent: must be at least 1',
      'config.json: providers[0].wake.maxWaitSeconds: must be more than 0 seconds',
      'config.json: providers[1].idleTimeoutSeconds: must be more than 0 seconds',
      'config.json: providers[1].startupTimeoutSeconds: must be a number of seconds',
      'config.json: providers[2].url: must be an http:// or https:// URL (a host, and a port from 1 to 65535 if any)',
      'config.json: providers[3].maxConcurrent: must be a number, not a string',
      'config.json: providers[4].maxConcurrent: must be a whole number, not a fraction',
    ]);
  });

  it('loads without credentials: only publishing needs them', async () => {
    await writeConfig({ providers: [] });
    const loaded = await loadMcplocalConfig(home.path, {}, { identity: IDENTITY });
    expect(loaded.credentials).toBeUndefined();
    expect(loaded.config).toEqual({ providers: [], agents: [] });
  });

  it('reports every problem of both files at once, naming file and key', async () => {
    await writeConfig({
      publishNameSuffix: 'user',
      colour: 'blue',
      transport: 'carrier-pigeon',
      providers: [
        { name: 'gpu', type: 'openai', url: 'ftp://gpu:8000', model: 'm' },
        { name: 'vllm', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', apiKeyEnv: 'VLLM_KEY', publish: true, failoverFor: 'central-qwen' },
        { name: 'vllm', type: 'openai', url: 'http://127.0.0.1:8001', model: 'm', apiKey: 'k', apiKeyEnv: 'OTHER_KEY' },
        { name: 'ollama', type: 'ollama', url: 'http://127.0.0.1:11434', model: 'm', publish: true, publishName: 'vllm-alice' },
        { name: 'spare', type: 'ollama', url: 'http://127.0.0.1:11435', model: 'm', failoverFor: 'central-qwen' },
        { name: 'managed-vllm', type: 'managed', url: 'http://10.0.0.5:8002', model: 'm', group: 'gpu' },
        { name: 'local', type: 'openai', url: 'http://127.0.0.1:8003', model: '', wake: { type: 'sms' } },
        { name: 'ollama-v1', type: 'ollama', url: 'http://127.0.0.1:11434/v1', model: 'm' },
        { name: 'basic', type: 'openai', url: 'http://alice:hunter2@127.0.0.1:8004/v1', model: 'm', apiKey: 'sk-local' },
        { name: 'woken', type: 'openai', url: 'http://127.0.0.1:8005/v1', model: 'm', wake: { type: 'http', url: 'http://waker:secret@127.0.0.1:9000/wake' } },
        { name: 'colon', type: 'ollama', url: 'http://a%3Ab%zz:pw@127.0.0.1:8006', model: 'm' },
        { name: 'run-here', type: 'managed', command: process.execPath, url: 'http://me:pw@127.0.0.1:8007', model: 'm' },
        { name: 'behind-proxy', type: 'openai', url: 'http://alice:hunter2@127.0.0.1:8008/v1', model: 'm' },
        { name: 'claude-proxy', type: 'anthropic', url: 'http://alice:hunter2@127.0.0.1:8009', model: 'm', apiKey: 'sk-ant-x' },
      ],
      agents: [
        { name: 'helper', llmName: 'vllm' },
        { name: 'helper', llmName: 'central-qwen' },
        { name: 'warm', llmName: 'vllm', defaultParams: { temperature: 'hot', max_tokens: 10 } },
        { name: 'chooser', llmName: 'vllm', defaultParams: { stream: true, model: 'other' } },
      ],
    });
    await writeCredentials(CREDENTIALS, 0o644);
    const problems = await problemsOf(loadMcplocalConfig(home.path, { MCPLOCAL_PROVIDER_TRANSPORT: 'smoke-signals' }, { identity: IDENTITY }));
    expect(problems.sort()).toEqual(
      [
        'config.json: colour: unknown key',
        'config.json: transport: must be one of "auto", "sse", "websocket"',
        'MCPLOCAL_PROVIDER_TRANSPORT: must be one of "auto", "sse", "websocket", not "smoke-signals"',
        'config.json: providers[0].url: must be an http:// or https:// URL (a host, and a port from 1 to 65535 if any)',
        'config.json: providers[6].model: must not be empty',
        'config.json: providers[6].wake.type: must be one of "http", "command"',
        'config.json: providers[1].apiKeyEnv: environment variable VLLM_KEY is not set',
        'config.json: providers[2].name: "vllm" is also the name of providers[1]',
        'config.json: providers[2]: set apiKey or apiKeyEnv, not both',
        'config.json: providers[3]: publishes as "vllm-alice", as providers[1] does; set publishName on one of them',
        'config.json: providers[4].failoverFor: providers[1] already stands in for "central-qwen"; a central LLM takes one local stand-in',
        'config.json: providers[5]: type "managed" needs "command" (the model server\'s program) or "preset" ("vllm" or "llama.cpp")',
        'config.json: providers[5].url: a managed server runs on this machine; use http://127.0.0.1:PORT',
        'config.json: providers[7].url: type "ollama" speaks Ollama\'s native API at the server root; drop "/v1", or use type "openai" for Ollama\'s OpenAI-compatible API',
        "config.json: providers[8]: set apiKey/apiKeyEnv or the URL's user:pass@, not both: an OpenAI server gets either as its Authorization header",
        "config.json: providers[10].url: the user name holds a ':' (%3A), which Basic authorization cannot carry; a ':' may stand in the password only",
        'config.json: providers[11].url: a managed server runs on this machine and asks for no user name or password; drop the user:pass@',
        'config.json: providers[9].wake.url: holds a user name or password; send them as an Authorization header in wake.headers',
        'config.json: agents[1].name: "helper" is also the name of agents[0]',
        'config.json: agents[2].defaultParams.temperature: must be a number, not a string',
        "config.json: agents[3].defaultParams: cannot set model, stream: a chat sets them itself (the agent's llm, the caller's messages and choice of streaming)",
        `credentials: must be mode 0600, is 0644 (chmod 600 ${join(home.path, 'credentials')})`,
      ].sort(),
    );
  });

  it('refuses what a managed entry cannot use, and managed fields on another type', async () => {
    await writeConfig({
      providers: [
        { name: 'vllm', type: 'managed', preset: 'vllm', url: 'http://127.0.0.1:8000', model: 'm', wake: { type: 'http', url: 'http://127.0.0.1:8000/wake_up' } },
        { name: 'plain', type: 'openai', url: 'http://127.0.0.1:8001', model: 'm', command: 'vllm', group: 'gpu' },
        { name: 'forever', type: 'managed', command: process.execPath, url: 'http://127.0.0.1:8002', model: 'm', idleTimeoutSeconds: 3_000_000_000 },
        { name: 'sglang', type: 'managed', preset: 'sglang', url: 'http://127.0.0.1:8003', model: 'm' },
        { name: 'relative', type: 'managed', command: './serve.sh', cwd: 'models', url: 'http://localhost', model: 'm' },
        { name: 'group-a', type: 'managed', command: 'node', url: 'http://127.0.0.1:8010', model: 'm', group: 'gpu' },
        { name: 'group-b', type: 'managed', command: 'node', url: 'http://127.0.0.1:8010', model: 'm', group: 'gpu' },
        { name: 'same-port', type: 'managed', command: 'node', url: 'http://127.0.0.1:8010', model: 'm' },
        { name: 'no-dir', type: 'managed', command: 'node', url: 'http://127.0.0.1:8020', model: 'm', cwd: '/nonexistent/models' },
        { name: 'no-x', type: 'managed', command: join(home.path, 'serve.sh'), url: 'http://127.0.0.1:8021', model: 'm' },
        { name: 'dir', type: 'managed', command: home.path, url: 'http://127.0.0.1:8022', model: 'm' },
        { name: 'tilde', type: 'managed', preset: 'vllm', command: process.execPath, url: 'http://127.0.0.1:8023', model: '~/nonexistent-model-dir-for-a-test' },
        { name: 'rel', type: 'managed', preset: 'llama.cpp', command: process.execPath, url: 'http://127.0.0.1:8024', model: 'qwen.gguf' },
        { name: 'rel-in-cwd', type: 'managed', preset: 'llama.cpp', command: process.execPath, url: 'http://127.0.0.1:8025', model: './serve.sh', cwd: home.path },
        { name: 'hf-id', type: 'managed', preset: 'vllm', command: process.execPath, url: 'http://127.0.0.1:8026', model: 'Qwen/Qwen2.5-7B-Instruct' },
        { name: 'rel-cmd', type: 'managed', command: './serve.sh', url: 'http://127.0.0.1:8027', model: 'm' },
        { name: 'gguf-dir', type: 'managed', preset: 'llama.cpp', command: process.execPath, url: 'http://127.0.0.1:8028', model: home.path },
        { name: 'tilde-cwd', type: 'managed', command: process.execPath, url: 'http://127.0.0.1:8029', model: 'm', cwd: '~/nonexistent-cwd-for-a-test' },
      ],
    });
    await writeFile(join(home.path, 'serve.sh'), '#!/bin/sh\n', { mode: 0o644 });
    expect((await problemsOf(loadMcplocalConfig(home.path, { PATH: dirname(process.execPath) }, { identity: IDENTITY }))).sort()).toEqual(
      [
        'config.json: providers[0].wake: a managed server is woken by starting it; remove "wake"',
        'config.json: providers[0]: preset "vllm" runs "vllm", which is not on the PATH; install it, or set "command" to its full path',
        'config.json: providers[1]: command, group apply to type "managed" only (mcplocal runs that server itself); remove them, or set "type": "managed"',
        'config.json: providers[2].idleTimeoutSeconds: must be at most 604800 seconds (a week)',
        'config.json: providers[3].preset: must be one of "vllm", "llama.cpp"',
        'config.json: providers[4]: command "./serve.sh", which does not exist; set "command" to where it is',
        "config.json: providers[4].cwd: give an absolute directory, or one under ~ (mcplocal's own may be anything under systemd)",
        'config.json: providers[4].url: give the port the server is to listen on, as in http://127.0.0.1:8000',
        "config.json: providers[7].url: port 8010 is also providers[5]'s; give each managed server its own port, or put both in one group",
        'config.json: providers[8].cwd: /nonexistent/models is not a directory; create it, or fix the path',
        `config.json: providers[9]: command "${join(home.path, 'serve.sh')}", which is not executable; chmod +x it`,
        `config.json: providers[10]: command "${home.path}", which is a directory; set "command" to the program in it`,
        `config.json: providers[11].model: ${join(homedir(), 'nonexistent-model-dir-for-a-test')} does not exist; fix the path, or put the model there first`,
        "config.json: providers[12].model: qwen.gguf is a relative path; give an absolute one (or ~/…), or set \"cwd\" (mcplocal's own directory may be anything under systemd)",
        "config.json: providers[15]: command \"./serve.sh\" is a relative path; give an absolute one (or ~/…), or set \"cwd\" (mcplocal's own directory may be anything under systemd)",
        `config.json: providers[16].model: ${home.path} is a directory; llama.cpp takes the model's .gguf file`,
        `config.json: providers[17].cwd: ${join(homedir(), 'nonexistent-cwd-for-a-test')} is not a directory; create it, or fix the path`,
      ].sort(),
    );
  });

  it('refuses a wake command it cannot run, as it refuses a managed server\'s', async () => {
    await writeConfig({
      providers: [
        { name: 'missing', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', wake: { type: 'command', command: '/no/such/bin' } },
        { name: 'off-path', type: 'openai', url: 'http://127.0.0.1:8001', model: 'm', wake: { type: 'command', command: 'vllm-wake' } },
        { name: 'no-x', type: 'openai', url: 'http://127.0.0.1:8002', model: 'm', wake: { type: 'command', command: join(home.path, 'wake.sh') } },
        { name: 'found', type: 'openai', url: 'http://127.0.0.1:8003', model: 'm', wake: { type: 'command', command: 'node', args: ['wake.js'] } },
        { name: 'http', type: 'openai', url: 'http://127.0.0.1:8004', model: 'm', wake: { type: 'http', url: 'http://127.0.0.1:8004/wake_up' } },
      ],
    });
    await writeFile(join(home.path, 'wake.sh'), '#!/bin/sh\n', { mode: 0o644 });
    expect(await problemsOf(loadMcplocalConfig(home.path, { PATH: dirname(process.execPath) }, { identity: IDENTITY }))).toEqual([
      'config.json: providers[0].wake: command "/no/such/bin", which does not exist; set "command" to where it is',
      'config.json: providers[1].wake: command "vllm-wake", which is not on the PATH; install it, or set "command" to its full path',
      `config.json: providers[2].wake: command "${join(home.path, 'wake.sh')}", which is not executable; chmod +x it`,
    ]);
  });

  it('refuses failover for a name this config publishes itself', async () => {
    await writeConfig({
      providers: [
        { name: 'qwen', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', publish: true },
        { name: 'backup', type: 'ollama', url: 'http://127.0.0.1:11434', model: 'm', failoverFor: 'qwen' },
      ],
    });
    expect(await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }))).toEqual([
      'config.json: providers[1].failoverFor: "qwen" is published by providers[0] of this file; failover stands in for a central LLM',
    ]);
  });

  it('reports a published name the suffix makes invalid', async () => {
    await writeConfig({
      publishNameSuffix: 'Team_A',
      providers: [{ name: 'qwen', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', publish: true }],
    });
    const problems = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^config\.json: providers\[0\]: publishes as "qwen-Team_A", which is not a valid name \(.+\); publishNameSuffix "Team_A" is used as written: make it lower-case letters, digits and inner hyphens, or "user" or "hostname"; or set publishName$/,
    );
  });

  it('says where config.json was looked for and what a minimal one looks like', async () => {
    const problems = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`not found at ${join(home.path, 'config.json')}`);
    expect(problems[0]).toContain('"providers": [{"name": "my-vllm", "type": "openai"');
  });

  it('names the file and the parser message for malformed JSON, in config and credentials alike', async () => {
    await writeConfig('{"providers": [,]}');
    await writeCredentials('{"mcpdUrl": ');
    const problems = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^config\.json: not valid JSON: .+/);
    expect(problems[1]).toMatch(/^credentials: not valid JSON: .+/);
  });

  it('says a left-out type is required, and what it may be', async () => {
    await writeConfig({ providers: [{ name: 'a', url: 'http://127.0.0.1:8000/v1', model: 'm', wake: { url: 'http://127.0.0.1:9/wake' } }] });
    await writeCredentials(CREDENTIALS, 0o600);
    expect((await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }))).sort()).toEqual([
      'config.json: providers[0].type: is required: it must be one of "openai", "ollama", "anthropic", "managed"',
      'config.json: providers[0].wake.type: is required: it must be one of "http", "command"',
    ]);
  });

  it('does not repeat the text of a file that is not JSON, which may hold the token', async () => {
    await writeConfig({ providers: [] });
    await writeCredentials("{'mcpdUrl': 'http://x', 'token': 'mcp_secret123'}");
    const problems = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problems.join('\n')).not.toContain('mcp_secret123');
    expect(problems).toEqual([expect.stringMatching(/^credentials: not valid JSON: /)]);
  });

  it('says on which line and column the JSON goes wrong', async () => {
    await writeConfig('{\n  "providers": [\n    {"name": "a",}\n  ]\n}\n');
    await writeCredentials(CREDENTIALS, 0o600);
    const [problem] = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problem).toMatch(/^config\.json: not valid JSON: .*line 3,? column 18\)?/);
  });

  it('refuses credentials that do not match their schema', async () => {
    await writeConfig({ providers: [] });
    await writeCredentials({ mcpdUrl: 'mcpd.internal', token: '' });
    expect(await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }))).toEqual([
      'credentials: mcpdUrl: must be an http:// or https:// URL (a host, and a port from 1 to 65535 if any) (run mcpctl login again)',
      'credentials: token: must not be empty (run mcpctl login again)',
    ]);
  });

  it('names the key an unknown one looks like, in providers, agents and wake recipes too', async () => {
    await writeConfig({
      providers: [{ name: 'vllm', type: 'openai', url: 'http://127.0.0.1:8000/v1', model: 'm', visiblity: 'public', wake: { type: 'http', url: 'http://127.0.0.1:9/wake', maxWaitSecond: 5 } }],
      agents: [{ name: 'helper', llmName: 'vllm', systemPromt: 'x' }],
      publishNameSufix: 'user',
    });
    await writeCredentials(CREDENTIALS, 0o600);
    const problems = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problems.sort()).toEqual(
      [
        'config.json: providers[0].visiblity: unknown key (did you mean visibility?)',
        'config.json: providers[0].wake.maxWaitSecond: unknown key (did you mean maxWaitSeconds?)',
        'config.json: agents[0].systemPromt: unknown key (did you mean systemPrompt?)',
        'config.json: publishNameSufix: unknown key (did you mean publishNameSuffix?)',
      ].sort(),
    );
  });

  it("suggests only the keys of the wake recipe's own type", async () => {
    await writeConfig({
      providers: [
        { name: 'a', type: 'openai', url: 'http://127.0.0.1:8000/v1', model: 'm', wake: { type: 'http', url: 'http://127.0.0.1:9/wake', comand: 'x' } },
        { name: 'b', type: 'openai', url: 'http://127.0.0.1:8001/v1', model: 'm', wake: { type: 'command', command: 'up', comand: 'x', heders: {} } },
      ],
    });
    await writeCredentials(CREDENTIALS, 0o600);
    const problems = await problemsOf(loadMcplocalConfig(home.path, {}, { identity: IDENTITY }));
    expect(problems.sort()).toEqual(
      [
        'config.json: providers[0].wake.comand: unknown key',
        'config.json: providers[1].wake.comand: unknown key (did you mean command?)',
        'config.json: providers[1].wake.heders: unknown key',
      ].sort(),
    );
  });
});

describe('mcplocalHome', () => {
  it('is MCPCTL_HOME when set, else ~/.mcpctl', () => {
    expect(mcplocalHome({ MCPCTL_HOME: '/srv/mcpctl' })).toBe('/srv/mcpctl');
    expect(mcplocalHome({ MCPCTL_HOME: '' })).toBe(join(homedir(), '.mcpctl'));
    expect(mcplocalHome({})).toBe(join(homedir(), '.mcpctl'));
  });
});
