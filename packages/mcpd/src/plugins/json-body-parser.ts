import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { badRequest, echo } from '../errors.js';
import { findUnstorableText } from '../security/find-unstorable-text.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../security/json-depth.js';

/**
 * Fastify's JSON parser (with its prototype-poisoning guard) behind three checks, so bad bytes
 * get a 400 before any route, service or database sees them: the body must be UTF-8 (the stock
 * parser would turn invalid bytes into U+FFFD silently), nest at most 64 levels, and hold no
 * NUL character or unpaired surrogate in any key or string. Any other content type is 415.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  // Every route takes JSON: a text body would reach the schemas as a string and read as a wrong shape.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    // No body, as without the header: many clients send it on every request, a DELETE's included.
    // A route that needs a body says it is missing.
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    if (!isUtf8(body)) {
      done(badRequest('the body is not valid UTF-8'), undefined);
      return;
    }
    if (exceedsJsonDepth(body, MAX_JSON_DEPTH)) {
      done(badRequest(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    // The callback form: it returns nothing (the parser's type also admits the promise form).
    void parseJson(request, body.toString('utf8'), (error, value) => {
      if (error) {
        done(error, undefined);
        return;
      }
      const unstorable = findUnstorableText(value);
      if (unstorable) {
        const where = unstorable.path ? `${echo(unstorable.path)}: ` : '';
        done(badRequest(`invalid request body: ${where}${unstorable.problem}`), undefined);
        return;
      }
      done(null, value);
    });
  });
}
