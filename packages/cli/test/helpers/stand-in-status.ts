import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusView } from '@mcpctl/protocol';

/** What a stand-in mcpd answers to `GET /api/v1/status`: the CLI asks it once a 404 comes, to tell mcpd from another server. */
export const STAND_IN_STATUS: StatusView = {
  user: { id: 'usr_stand_in', name: 'stand-in', admin: true },
  server: { version: '0.0.0-stand-in', database: 'embedded', uptimeSeconds: 1 },
};

/** Answers `GET /api/v1/status` as mcpd does; false for any other request, which the caller answers. */
export function answerStatus(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method !== 'GET' || request.url !== '/api/v1/status') return false;
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(STAND_IN_STATUS));
  return true;
}
