import { homedir } from 'node:os';
import { join } from 'node:path';

/** `MCPCTL_HOME`, else `~/.mcpctl`: where config.json, credentials and provider-session live. */
export function mcplocalHome(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.MCPCTL_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.mcpctl');
}

export function configFile(home: string): string {
  return join(home, 'config.json');
}

export function credentialsFile(home: string): string {
  return join(home, 'credentials');
}
