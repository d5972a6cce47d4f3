import type { z } from 'zod';
import { badRequest, describeZodError } from '../errors.js';

/** The query string read by `schema`; a bad one is a 400 naming the parameter, as a query, not a body. */
export function parseQuery<Schema extends z.ZodType>(schema: Schema, query: unknown): z.output<Schema> {
  return parsePart(schema, query, 'query');
}

/** The URL's path parameters read by `schema`; a bad one is a 400 naming the path, not the body. */
export function parsePath<Schema extends z.ZodType>(schema: Schema, params: unknown): z.output<Schema> {
  return parsePart(schema, params, 'path');
}

function parsePart<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(describeZodError(parsed.error, what));
  return parsed.data;
}
