import type { TokenView } from '@mcpctl/protocol';
import type { ResourcePresentation } from '../resource-presentation.js';
import { READ_ONLY_KINDS } from '../../documents/read-only-kinds.js';

/** How tokens look in `get`: never the token itself, which mcpd does not keep. */
export const tokenPresentation: ResourcePresentation<TokenView> = {
  kind: 'Token',
  plural: 'tokens',
  columns: [
    { header: 'name', value: (token) => token.name },
    { header: 'user', value: (token) => token.user },
    { header: 'expires', value: (token) => (token.expiresAt === null ? 'never' : `${token.expiresAt}${token.expired ? ' (expired)' : ''}`) },
    { header: 'id', value: (token) => token.id },
    { header: 'created', value: (token) => token.createdAt, wideOnly: true },
  ],
  toYamlDocument: (token) => ({ value: { kind: 'Token', ...token }, comment: READ_ONLY_KINDS.Token }),
};
