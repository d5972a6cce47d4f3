import { isIP } from 'node:net';
import { hostname, userInfo } from 'node:os';
import type { McplocalConfig, ProviderEntry } from '@mcpctl/protocol';

/** Who and where this daemon runs, for `publishNameSuffix: "hostname" | "user"`. */
export interface WorkstationIdentity {
  hostname: string;
  userName: string;
}

const MAX_NAME_LENGTH = 63;

/** The OS host name and user name; `USER`/`USERNAME` when the OS has no account entry (some containers). */
export function workstationIdentity(env: NodeJS.ProcessEnv): WorkstationIdentity {
  let userName: string;
  try {
    userName = userInfo().username;
  } catch {
    userName = env.USER ?? env.USERNAME ?? env.LOGNAME ?? '';
  }
  return { hostname: hostname(), userName };
}

/**
 * The name a provider is published under: its `publishName`; else `NAME-SUFFIX` when the config
 * sets `publishNameSuffix` (`hostname` and `user` are replaced by this workstation's, made
 * DNS-label-safe and shortened so the whole name fits 63 characters; any other value is used
 * as written); else its own name. The result is not validated here: the config loader reports
 * a name that is still not a valid resource name.
 */
export function publishedName(
  entry: Pick<ProviderEntry, 'name' | 'publishName'>,
  config: Pick<McplocalConfig, 'publishNameSuffix'>,
  identity: WorkstationIdentity,
): string {
  if (entry.publishName !== undefined) return entry.publishName;
  const suffix = config.publishNameSuffix;
  if (suffix === undefined) return entry.name;
  if (suffix !== 'hostname' && suffix !== 'user') return `${entry.name}-${suffix}`;
  const label = toDnsLabel(suffix === 'hostname' ? shortHostname(identity.hostname) : identity.userName);
  const room = MAX_NAME_LENGTH - entry.name.length - 1;
  // Without room for a suffix the name is left too long on purpose: dropping the suffix would bring back the clashes it prevents.
  const fitted = room > 0 ? trimEnd(label.slice(0, room)) : label;
  return `${entry.name}-${fitted}`;
}

/** Lower-case letters, digits and single inner hyphens; `Alice.Smith` → `alice-smith`, `CORP\bob` → `corp-bob`. */
export function toDnsLabel(value: string): string {
  return trimEnd(
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, MAX_NAME_LENGTH),
  );
}

/** `alice-laptop.local` → `alice-laptop`; an IP address is kept whole. */
function shortHostname(name: string): string {
  return isIP(name) !== 0 ? name : (name.split('.')[0] ?? name);
}

function trimEnd(label: string): string {
  return label.replace(/-+$/, '');
}
