import { z } from 'zod';
import { llmCreateSchema } from './llm.js';

/**
 * Fields mcpd manages itself. `get -o yaml` prints them and `apply` drops them, so the
 * output of one can be fed to the other unchanged.
 */
export const SERVER_MANAGED_LLM_FIELDS = [
  'id',
  'kind',
  'ownerId',
  'owner',
  'status',
  'hasApiKey',
  'wakeRecipe',
  'lastWakeAt',
  'lastWakeMs',
  'providerSession',
  'lastHeartbeatAt',
  'inactiveSince',
  'createdAt',
  'updatedAt',
] as const;

/** A `kind: Llm` document of `mcpctl apply`. `apiKeyEnv` names a variable read by the CLI. */
export const llmDocumentSchema = llmCreateSchema
  .extend({
    kind: z.literal('Llm'),
    url: llmCreateSchema.shape.url,
    apiKeyEnv: z.string().min(1).optional(),
    /** `null` removes the stored key (a key itself belongs in `apiKeyEnv`'s variable, not the file). */
    apiKey: llmCreateSchema.shape.apiKey.unwrap().nullable().optional(),
    description: z.string().max(2048).nullable().optional(),
    poolName: llmCreateSchema.shape.name.nullable().optional(),
    maxConcurrent: z.number().int().min(1).nullable().optional(),
  })
  .strip();
export type LlmDocument = z.infer<typeof llmDocumentSchema>;
