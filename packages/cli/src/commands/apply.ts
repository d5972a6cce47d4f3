import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { parseDocuments } from '../documents/parse-documents.js';
import { readSource } from '../documents/read-source.js';
import { UsageError } from '../errors.js';
import type { SourceDocument } from '../documents/parse-documents.js';
import type { ApplyHandler, PreparedDocument } from '../resources/apply-handler.js';
import { agentApplyHandler } from '../resources/agent/apply.js';
import { llmApplyHandler } from '../resources/llm/apply.js';
import { roleBindingApplyHandler } from '../resources/rolebinding/apply.js';
import { userApplyHandler } from '../resources/user/apply.js';

/** `mcpctl apply -f FILE|-` */
export function registerApply(program: Command, context: CliContext): void {
  program
    .command('apply')
    .description('create or update resources from YAML or JSON documents')
    .requiredOption('-f, --filename <file>', "file to read, or '-' for stdin")
    .action(async (options: { filename: string }) => {
      const source = options.filename === '-' ? 'stdin' : options.filename;
      const documents = parseDocuments(await readSource(options.filename, context.io.stdin), source);
      if (documents.length === 0) throw new UsageError(`${source} holds no documents to apply`);
      const handlers = applyHandlers(context);
      // Every document is validated before the first is sent: a typo in the last one must not leave half applied.
      const prepared: PreparedDocument[] = documents.map((document) => {
        const handler = handlerFor(handlers, document);
        if (handler === undefined) {
          const known = handlers.map((candidate) => candidate.kind).join(', ');
          const kind = document.kind === undefined ? 'no kind' : `unknown kind '${document.kind}'`;
          throw new UsageError(`${source}: document ${document.index} has ${kind} (known kinds: ${known})`);
        }
        return handler.prepare(document, context.env);
      });
      const client = await context.api();
      for (const document of prepared) {
        context.printer.line(`${document.label} ${await document.apply(client)}`);
      }
    });
}

function applyHandlers(context: CliContext): ApplyHandler[] {
  const warn = (text: string): void => context.printer.notice(text);
  return [llmApplyHandler(warn), agentApplyHandler(warn), userApplyHandler(warn), roleBindingApplyHandler(warn)];
}

/** The handler of the document's kind; for an alias (a view's `public`), the one that claims it first. */
function handlerFor(handlers: readonly ApplyHandler[], document: SourceDocument): ApplyHandler | undefined {
  const exact = handlers.find((candidate) => candidate.kind === document.kind);
  if (exact !== undefined) return exact;
  const candidates = handlers.filter((candidate) => candidate.aliases?.includes(document.kind ?? '') === true);
  return candidates.find((candidate) => candidate.claims?.(document) === true) ?? candidates.find((candidate) => candidate.claims === undefined);
}
