import { hostname } from 'node:os';
import { generateId } from '../security/token.js';

/**
 * Enough of a host name to tell machines apart, kept short in task ids and URLs. Its end is kept:
 * the part that tells one Kubernetes pod of a deployment from another is the suffix.
 */
const MAX_HOST_CHARACTERS = 32;

/**
 * This process's id among replicas: the host name it runs on (a pod's name under Kubernetes), so
 * an operator can tell which process an audit record, a session or a log line names, then a
 * random part, so a restart on the same host is another replica. Lower-case letters, digits and
 * hyphens only: it goes into NATS subjects and task ids, which a dot would split.
 */
export function newReplicaId(host: string = hostname()): string {
  // The host's own name: a domain after it is the same for every replica.
  const [own = ''] = host.split('.');
  const name = own
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(-MAX_HOST_CHARACTERS)
    .replace(/^-+|-+$/g, '');
  const random = generateId()
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 8)
    .toLowerCase();
  return name ? `${name}-${random}` : random;
}
