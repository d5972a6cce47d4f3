import pino, { type Logger } from 'pino';
import { serializeBoundedError } from './bounded-error-serializer.js';

/** Paths that may carry secrets; pino replaces them before a line is written. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-mcpctl-provider-session"]',
  'apiKey',
  'token',
  '*.apiKey',
  '*.token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'mcpd' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeBoundedError },
    },
    destination,
  );
}
