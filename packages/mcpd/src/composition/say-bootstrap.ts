import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BootstrapOutcome } from '../services/bootstrap-admin.js';

/** The token variable, as the operator sets it. */
const VARIABLE = 'MCPD_BOOTSTRAP_TOKEN';

/**
 * Tells the operator what starting did for the admin: a generated token shown once and saved to
 * `DATA_DIR/admin-token`; a token given back to an admin nobody could sign in as; a lockout and
 * the way out of it; a preset token the database did not need.
 */
export async function sayBootstrap(outcome: BootstrapOutcome, dataDir: string, logger: Logger, announce: (message: string) => void = toStdout): Promise<void> {
  switch (outcome.kind) {
    case 'created':
      if (outcome.generatedToken === undefined) {
        logger.info(`admin user created with the token from ${VARIABLE}`);
        return;
      }
      {
        const tokenPath = join(dataDir, 'admin-token');
        await writeFile(tokenPath, `${outcome.generatedToken}\n`, { mode: 0o600 });
        announce(`Admin token (shown once, also saved to ${tokenPath}):\n${outcome.generatedToken}`);
      }
      return;
    case 'restored':
      logger.warn(
        { user: outcome.userName, token: outcome.tokenName },
        `no admin held a working token: the one in ${VARIABLE} now signs in as ${outcome.userName} (token ${outcome.tokenName}); revoke it once you have made the tokens you need`,
      );
      return;
    case 'lockedOut': {
      const stale = outcome.presetStale ? ` (the token ${VARIABLE} holds now is stored already, and no longer signs in as an admin)` : '';
      logger.warn(`no admin holds a working token, so nobody can sign in to manage mcpd: restart it with ${VARIABLE} set to a new token to give one to an admin${stale}`);
      return;
    }
    case 'noAdmin':
      logger.warn(`no user holds the admin grant, so nobody can manage mcpd, and ${VARIABLE} has nobody to give its token to: make a user an admin in the database (users.role = 'admin')`);
      return;
    case 'presetUnused':
      logger.info(`${VARIABLE} is not used: the database already has users, and an admin holds a working token`);
      return;
    case 'present':
      return;
  }
}

function toStdout(message: string): void {
  process.stdout.write(`${message}\n`);
}
