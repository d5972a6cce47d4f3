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

/** The kind of forbidden address `address` (an IP, IPv6 forms that carry an IPv4 one included) is, if any. */
export function forbiddenKindOfAddress(address: string): ForbiddenKind | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  // The BlockList matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges too.
  const kind = RANGES.find(([, list]) => list.check(address, type))?.[0];
  if (kind !== undefined || family === 4) return kind;
  const carried = embeddedIpv4(address);
  return carried === undefined ? undefined : forbiddenKindOfAddress(carried);
}

/**
 * The IPv4 address an IPv6 one reaches through, where the host may route it: IPv4-compatible
 * (`::127.0.0.1`), IPv4-translated (`::ffff:0:127.0.0.1`), NAT64 (`64:ff9b::127.0.0.1`, and the
 * local-use `64:ff9b:1::/48`) and 6to4 (`2002:7f00:1::`). On a host with NAT64 or a 6to4 relay
 * each of them reaches the IPv4 address it carries.
 */
export function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (g0 === 0x2002) return quad(g1, g2);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return quad(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return quad(g6, g7);
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return quad(g6, g7);
  // `::` and `::1` are not IPv4 addresses in disguise (they are checked as IPv6 above).
  if (zeroUpTo(6) && (g6 !== 0 || g7 > 1)) return quad(g6, g7);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address, a trailing dotted quad and `::` expanded. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const parts = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return parts.length === 8 ? parts.map((part) => Number.parseInt(part, 16)) : undefined;
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
