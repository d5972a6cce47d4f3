export { runCli, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './run-cli.js';
export { buildProgram } from './program.js';
export { createContext, type CliContext, type CliIo, type TerminalStream } from './context.js';
export { ApiClient, SERVED_BY_HEADER, type ApiClientOptions, type EventStream, type RequestOptions } from './api-client.js';
export { readStreamParts, frameToPart, type StreamPart } from './stream-parts.js';
export {
  CliError,
  UsageError,
  ApiError,
  RequestError,
  ConfigError,
  InterruptedError,
  ItemError,
  PartialFailureError,
  formatCliError,
} from './errors.js';
export {
  mcpctlHome,
  credentialsPath,
  readCredentialsFile,
  resolveCredentials,
  writeCredentials,
  type Credentials,
  type CliEnvironment,
} from './credentials.js';
export { Printer, formatTable, formatYamlDocuments, formatFields, OUTPUT_FORMATS, type OutputFormat, type Column } from './printer.js';
export { parseDocuments, type SourceDocument } from './documents/parse-documents.js';
export { llmSpecFromDocument, llmCreateFromSpec, llmSpecChanges, type LlmSpec } from './resources/llm/llm-document.js';
export { agentSpecFromDocument, agentCreateFromSpec, agentSpecChanges, type AgentSpec } from './resources/agent/agent-document.js';
export { parseParam, formatParams } from './resources/agent/agent-params.js';
export { completionScript, COMPLETION_SHELLS, type CompletionShell } from './completion/completion-script.js';
export { buildCompletionTree, type CompletionCommand, type CompletionOption, type ValueCompletion } from './completion/completion-tree.js';
export { completeNames, completeResourceNames } from './completion/completion-hints.js';
export { StreamStats, formatLiveStatus, formatSummary, type StatsSnapshot, type StreamPhase } from './chat/stream-stats.js';
export { createStatusLine, BottomRowStatusLine, InPlaceStatusLine, type StatusLine } from './chat/status-line.js';
