import { HOP_HEADER, HOP_ID_PATTERN, MAX_HOPS } from '@mcpctl/protocol';
import { badRequest, loopDetected } from '../errors.js';

/** Reads the hop header of an incoming request: the instance ids it names, oldest first. */
export function parseHops(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const hops = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  if (!hops.every((hop) => HOP_ID_PATTERN.test(hop))) {
    throw badRequest(`${HOP_HEADER} must list mcpd instance ids (letters, digits, "-" and "_"), separated by commas`);
  }
  return hops;
}

/**
 * Keeps a request from going round in circles: an LLM whose URL is this mcpd's own `/v1` (or
 * another mcpd's that points back) would otherwise call itself until someone deletes it.
 */
export class HopGuard {
  constructor(
    /** Random per process start; names this instance in the hop header. */
    readonly instanceId: string,
    private readonly maxHops = MAX_HOPS,
  ) {
    if (!HOP_ID_PATTERN.test(instanceId)) throw new Error(`not a usable instance id: ${instanceId}`);
  }

  /** Throws 508 when the request has been here before or has passed through too many instances. */
  admit(hops: readonly string[]): void {
    if (hops.includes(this.instanceId)) {
      throw loopDetected('request loop: this request has already passed through this mcpd (an LLM points back at mcpd itself)');
    }
    if (hops.length >= this.maxHops) {
      throw loopDetected(`request loop: this request has already passed through ${hops.length} mcpd instances (at most ${this.maxHops})`);
    }
  }

  /** The hop header to send upstream: the incoming hops and this instance. */
  outgoing(hops: readonly string[]): Record<string, string> {
    return { [HOP_HEADER]: [...hops, this.instanceId].join(',') };
  }
}
