import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from './default-address.js';

/**
 * Where a health check in mcpd's container asks `/readyz`: the port and address of mcpd's own
 * command line (`/proc/1/cmdline` in the container, pid 1 being mcpd), so a `docker run … --port
 * 8080` is checked on 8080 and not on the image's default. An address that listens everywhere, or
 * none, is asked on loopback. Flags it does not know are left to mcpd, which refuses them itself.
 */
export function healthcheckUrl(mcpdArgs: readonly string[]): string {
  const { values } = parseArgs({
    args: [...mcpdArgs],
    options: { host: { type: 'string' }, port: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const port = typeof values.port === 'string' && /^\d+$/.test(values.port) && Number(values.port) > 0 ? Number(values.port) : DEFAULT_PORT;
  const host = typeof values.host === 'string' ? values.host : '';
  const everywhere = host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
  // An IPv6 address goes in brackets. (One with a zone, `fe80::1%eth0`, makes no URL fetch takes.)
  const address = everywhere ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${address}:${port}/readyz`;
}

/** mcpd's arguments from a `/proc/PID/cmdline` text: NUL-separated, node and its script first. */
export function argsOfCommandLine(cmdline: string): string[] {
  const parts = cmdline.split('\0').filter((part) => part !== '');
  const script = parts.findIndex((part) => /mcpd(\.js)?$|main\.js$/.test(part));
  return script < 0 ? [] : parts.slice(script + 1);
}
