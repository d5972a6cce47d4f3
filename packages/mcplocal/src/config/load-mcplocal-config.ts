import type { CredentialsFile, McplocalConfig } from '@mcpctl/protocol';
import { ConfigError } from '../errors.js';
import { checkConfig } from './check-config.js';
import { configFile, credentialsFile } from './mcplocal-home.js';
import { workstationIdentity, type WorkstationIdentity } from './published-name.js';
import { readCredentials } from './read-credentials.js';
import { readJsonFile } from './read-json-file.js';

export interface LoadedMcplocalConfig {
  config: McplocalConfig;
  /** Undefined when `mcpctl login` has not been run. */
  credentials: CredentialsFile | undefined;
}

export interface LoadMcplocalConfigOptions {
  /** Resolves `publishNameSuffix: "hostname" | "user"`; default: this machine's. */
  identity?: WorkstationIdentity | undefined;
}

const MINIMAL_CONFIG =
  '{"providers": [{"name": "my-vllm", "type": "openai", "url": "http://127.0.0.1:8000", "model": "MODEL", "publish": true}]}';

/**
 * Reads and validates `config.json` and `credentials` under `home`, once, at start. Throws one
 * ConfigError listing every problem of both files, each naming its file and key.
 */
export async function loadMcplocalConfig(
  home: string,
  env: NodeJS.ProcessEnv,
  options: LoadMcplocalConfigOptions = {},
): Promise<LoadedMcplocalConfig> {
  const identity = options.identity ?? workstationIdentity(env);
  const path = configFile(home);
  const problems: string[] = [];
  const file = await readJsonFile(path);
  let config: McplocalConfig | undefined;
  if (file.kind === 'missing') {
    problems.push(`config.json: not found at ${path} (MCPCTL_HOME moves it); a minimal one: ${MINIMAL_CONFIG}`);
  } else if (file.kind === 'invalid') {
    problems.push(`config.json: ${file.problem}`);
  } else {
    const checked = checkConfig(file.value, env, identity);
    config = checked.config;
    problems.push(...checked.problems);
  }
  const { credentials, problems: credentialProblems } = await readCredentials(credentialsFile(home));
  problems.push(...credentialProblems);
  if (config === undefined || problems.length > 0) throw new ConfigError(problems);
  return { config, credentials };
}
