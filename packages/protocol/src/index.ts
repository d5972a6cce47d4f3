export * from './names.js';
export * from './error-body.js';
export * from './llm.js';
export * from './openai.js';
export * from './anthropic.js';
export * from './audit.js';
export * from './status.js';
export * from './documents.js';
