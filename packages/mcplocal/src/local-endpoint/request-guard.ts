import type { IncomingMessage } from 'node:http';
import { LocalEndpointError } from '../errors.js';

/**
 * The endpoint trusts whoever reaches it, so it refuses the one kind of caller that reaches a
 * loopback port without being on the workstation's side: a web page. Browsers put `Origin` on
 * every cross-site request (and on every POST), which tools on the workstation never send; and
 * a page that rebinds its own DNS name to 127.0.0.1 still sends its name as `Host`.
 */
export function refuseWebPages(request: IncomingMessage, loopbackOnly: boolean): void {
  if (request.headers.origin !== undefined) {
    throw new LocalEndpointError(403, 'requests from web pages are refused: this endpoint answers with your mcpd token');
  }
  if (!loopbackOnly) return;
  const host = hostnameOf(request.headers.host ?? '');
  if (!isLoopbackHost(host)) {
    throw new LocalEndpointError(403, `Host "${host}" is not a loopback name: address the endpoint as 127.0.0.1 or localhost`);
  }
}

/** True for the names and addresses that never leave the machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** `Host` without its port: `[::1]:3200` → `[::1]`, `localhost:3200` → `localhost`. */
function hostnameOf(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.indexOf(':');
  return colon < 0 ? header : header.slice(0, colon);
}
