import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { forbiddenKindOfAddress, forbiddenKindOfName, normalizeHost, type ForbiddenKind } from './forbidden-address.js';

/** Every address a host name resolves to, as `dns.lookup(name, { all: true })` answers. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

const lookupAll = promisify(dnsLookup);
export const resolveWithSystem: ResolveHost = (hostname) => lookupAll(hostname, { all: true, verbatim: true });

/** Callback of a `net.connect` lookup function. */
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** An upstream host that is, or resolves to, an address a non-admin's LLM may not reach. */
export class ForbiddenUpstreamError extends Error {
  constructor(
    readonly host: string,
    readonly kind: ForbiddenKind,
    /** The offending address, when it came from resolving a name. */
    readonly address?: string,
  ) {
    const shown = host.length > 200 ? `${host.slice(0, 200)}…` : host;
    const article = kind === 'instance-metadata' ? 'an' : 'a';
    const what = address ? `resolves to ${article} ${kind} address (${address})` : `is ${article} ${kind} address`;
    super(`the URL's host ${shown} ${what}; only admins may point an LLM at loopback, link-local or instance-metadata addresses`);
    this.name = 'ForbiddenUpstreamError';
  }
}

/**
 * Keeps LLMs of non-admins away from mcpd's own host, its link and the cloud's metadata
 * service. A URL is checked when it is stored, and again by `lookup` on every connection
 * mcpd opens for such an LLM, so a name whose DNS answer changes later is caught too.
 */
export class UpstreamAddressGuard {
  constructor(private readonly resolve: ResolveHost = resolveWithSystem) {}

  /**
   * What is wrong with `url`'s host, after resolving it. A name that does not resolve now
   * passes: nothing can be reached through it, and the connection check runs again later.
   */
  async check(url: string): Promise<ForbiddenUpstreamError | undefined> {
    const host = normalizeHost(new URL(url).hostname);
    const refused = this.checkHost(host);
    if (refused || isIP(host) !== 0) return refused;
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return undefined;
    }
    return this.#firstForbidden(host, addresses);
  }

  /** The check that needs no resolver: an IP literal, `localhost`, a metadata name. */
  checkHost(hostname: string): ForbiddenUpstreamError | undefined {
    const host = normalizeHost(hostname);
    const kind = forbiddenKindOfAddress(host) ?? forbiddenKindOfName(host);
    return kind ? new ForbiddenUpstreamError(host, kind) : undefined;
  }

  /**
   * A `net.connect` lookup that answers like `dns.lookup` but fails with a
   * ForbiddenUpstreamError when any address of the name is forbidden.
   */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const host = normalizeHost(hostname);
    const byName = this.checkHost(host);
    if (byName) {
      process.nextTick(callback, byName, '', 0);
      return;
    }
    this.resolve(host).then(
      (resolved) => {
        const refused = this.#firstForbidden(host, resolved);
        if (refused) return callback(refused, '', 0);
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family ? resolved.filter((entry) => entry.family === family) : resolved;
        const first = addresses[0];
        if (options.all) return callback(null, addresses);
        if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), '', 0);
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };

  #firstForbidden(host: string, addresses: LookupAddress[]): ForbiddenUpstreamError | undefined {
    for (const { address } of addresses) {
      const kind = forbiddenKindOfAddress(address);
      if (kind) return new ForbiddenUpstreamError(host, kind, address);
    }
    return undefined;
  }
}
