import { z } from 'zod';

/** DNS-label-like names shared by LLMs, pools, agents and users. */
export const RESOURCE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const resourceNameSchema = z
  .string()
  .max(63, 'a name is at most 63 characters')
  .regex(
    RESOURCE_NAME_PATTERN,
    'a name uses lower-case letters, digits, "-" and ".", and starts and ends with a letter or digit',
  );
