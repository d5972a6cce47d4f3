import { BlockList, isIP } from 'node:net';

/** Where an LLM owned by a non-admin may not point: mcpd's own host, its link, the cloud's metadata service. */
export type ForbiddenKind = 'loopback' | 'link-local' | 'instance-metadata';

function blockList(entries: Array<[string, number | undefined, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [address, prefix, family] of entries) {
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return list;
}

/** Metadata services first: most of them sit inside the link-local range and deserve their own name. */
const RANGES: Array<[ForbiddenKind, BlockList]> = [
  [
    'instance-metadata',
    blockList([
      ['169.254.169.254', undefined, 'ipv4'], // AWS, GCP, Azure, Oracle, OpenStack, DigitalOcean
      ['169.254.170.2', undefined, 'ipv4'], // AWS ECS task credentials
      ['100.100.100.200', undefined, 'ipv4'], // Alibaba Cloud
      ['fd00:ec2::254', undefined, 'ipv6'], // AWS over IPv6
    ]),
  ],
  [
    'loopback',
    blockList([
      ['127.0.0.0', 8, 'ipv4'],
      // "This host": connecting to 0.0.0.0 or :: reaches the local machine.
      ['0.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
      ['::', 128, 'ipv6'],
    ]),
  ],
  [
    'link-local',
    blockList([
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ]),
  ],
];

/** Names that mean the metadata service wherever they resolve (or before they do). */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** The kind of forbidden address `address` (an IP, IPv4-mapped IPv6 included) is, if any. */
export function forbiddenKindOfAddress(address: string): ForbiddenKind | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  // The BlockList matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges too.
  return RANGES.find(([, list]) => list.check(address, type))?.[0];
}

/**
 * The kind a host name is by its name alone: `localhost` and its subdomains are loopback
 * (RFC 6761, whatever a resolver says), and the metadata services' well-known names.
 */
export function forbiddenKindOfName(hostname: string): ForbiddenKind | undefined {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return 'loopback';
  if (METADATA_HOSTS.has(hostname)) return 'instance-metadata';
  return undefined;
}

/** A URL's host as resolvers take it: no IPv6 brackets, lower case, no trailing dot. */
export function normalizeHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}
