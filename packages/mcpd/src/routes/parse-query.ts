import type { z } from 'zod';
import { badRequest, describeZodError } from '../errors.js';

/** The query string read by `schema`; a bad one is a 400 naming the parameter, as a query, not a body. */
export function parseQuery<Schema extends z.ZodType>(schema: Schema, query: unknown): z.output<Schema> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw badRequest(describeZodError(parsed.error, 'query'));
  return parsed.data;
}
