import { z } from 'zod';

/**
 * A model list read only for its ids: `data[].id`. OpenAI-compatible servers differ in the
 * other fields (LM Studio leaves out `created`, llama.cpp adds `meta`) and Anthropic's
 * `/v1/models` has its own, so a client that wants the names accepts them all.
 */
export const modelIdListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });
export type ModelIdList = z.infer<typeof modelIdListSchema>;
