import { anthropicDialect } from './dialects/anthropic-dialect.js';
import type { Dialect } from './dialects/dialect.js';
import { ollamaDialect, ollamaTagList } from './dialects/ollama-dialect.js';
import { openAiDialect, openAiModelList } from './dialects/openai-dialect.js';

export type UpstreamRoute =
  | { kind: 'chat'; dialect: Dialect }
  | { kind: 'list'; dialect: Dialect; render(model: string, created: number): string }
  | { kind: 'health' }
  | { kind: 'sleep-state' }
  | { kind: 'wake' };

const openAiChat: UpstreamRoute = { kind: 'chat', dialect: openAiDialect };
const openAiList: UpstreamRoute = { kind: 'list', dialect: openAiDialect, render: openAiModelList };
const anthropicChat: UpstreamRoute = { kind: 'chat', dialect: anthropicDialect };
const wake: UpstreamRoute = { kind: 'wake' };

/* The OpenAI and Anthropic routes also answer without `/v1`, so a base URL written either way works. */
const routes = new Map<string, UpstreamRoute>([
  ['POST /v1/chat/completions', openAiChat],
  ['POST /chat/completions', openAiChat],
  ['GET /v1/models', openAiList],
  ['GET /models', openAiList],
  ['POST /v1/messages', anthropicChat],
  ['POST /messages', anthropicChat],
  ['POST /api/chat', { kind: 'chat', dialect: ollamaDialect }],
  ['GET /api/tags', { kind: 'list', dialect: ollamaDialect, render: ollamaTagList }],
  ['GET /health', { kind: 'health' }],
  // vLLM's sleep mode reports itself here while its model routes keep answering 200.
  ['GET /is_sleeping', { kind: 'sleep-state' }],
  ['POST /wake_up', wake],
  ['POST /wake', wake],
]);

export function findRoute(method: string, path: string): UpstreamRoute | undefined {
  return routes.get(`${method} ${path}`);
}
