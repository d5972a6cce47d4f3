import { closestName } from '@mcpctl/protocol';
import { Option, type Command } from 'commander';
import { completeResourceNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { readDocuments, stopOnProblems } from '../documents/document-problems.js';
import { documentWhere, type SourceDocument } from '../documents/parse-documents.js';
import { readSources } from '../documents/read-sources.js';
import { UsageError } from '../errors.js';
import { wordList } from '../format/word-list.js';
import type { ApplyHandler } from '../resources/apply-handler.js';
import { agentApplyHandler } from '../resources/agent/apply.js';
import { agentDeletion, registerDeleteAgent } from '../resources/agent/delete.js';
import { deleteEach, type DeleteTarget } from '../resources/delete-each.js';
import { documentHandler } from '../resources/document-handler.js';
import { llmApplyHandler } from '../resources/llm/apply.js';
import { llmDeletion, registerDeleteLlm } from '../resources/llm/delete.js';
import { roleBindingApplyHandler } from '../resources/rolebinding/apply.js';
import { registerDeleteRoleBinding, roleBindingDeletion } from '../resources/rolebinding/delete.js';
import { registerDeleteThread } from '../resources/thread/delete.js';
import { registerDeleteToken } from '../resources/token/delete.js';
import { userApplyHandler } from '../resources/user/apply.js';
import { registerDeleteUser, userDeletion } from '../resources/user/delete.js';
import { explainedCommand } from './explained-command.js';

/**
 * What `delete -f` does with each kind of document, in the order it deletes them: the reverse of
 * `apply`'s, so a binding goes before its user and an agent before its LLM.
 */
const DELETIONS = new Map<ApplyHandler, (name: string) => DeleteTarget>([
  [roleBindingApplyHandler, roleBindingDeletion],
  [agentApplyHandler, agentDeletion],
  [llmApplyHandler, llmDeletion],
  [userApplyHandler, userDeletion],
]);

const BOTH_FORMS = "-f names what to delete by itself: give either 'delete -f FILE' or 'delete RESOURCE NAME…', not both";

/** `mcpctl delete RESOURCE NAME…`, or `mcpctl delete -f FILE` for the resources a file of documents names. */
export function registerDelete(program: Command, context: CliContext): void {
  const deleteCommand = program
    .command('delete')
    .description('delete resources by name, or those the documents of a file name (-f)')
    .usage('RESOURCE NAME… | -f FILE')
    .argument('[resource...]')
    .addOption(
      new Option('-f, --filename <file>', "delete what the documents of a file or directory name ('-' for stdin); repeat it for several").argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .action(async (operands: string[], options: { filename?: string[] }) => {
      const [stray] = operands;
      if (stray !== undefined && options.filename !== undefined) throw new UsageError(BOTH_FORMS);
      if (stray !== undefined) throw unknownResource(deleteCommand, stray);
      if (options.filename === undefined) throw new UsageError("say what to delete: 'mcpctl delete RESOURCE NAME…' or 'mcpctl delete -f FILE'");
      await deleteDocuments(context, options.filename);
    })
    // -f names everything to delete: a resource named beside it would be a second, different ask.
    .hook('preSubcommand', (command) => {
      if (command.opts<{ filename?: string[] }>().filename !== undefined) {
        throw new UsageError(BOTH_FORMS);
      }
    });
  registerDeleteLlm(deleteCommand, context);
  registerDeleteUser(deleteCommand, context);
  registerDeleteToken(deleteCommand, context);
  registerDeleteRoleBinding(deleteCommand, context);
  registerDeleteAgent(deleteCommand, context);
  registerDeleteThread(deleteCommand, context);
  // A pool is no row of its own but the LLMs that name it: said plainly, instead of commander's "unknown command".
  explainedCommand(
    deleteCommand,
    'pool',
    'pools',
    "a pool is not deleted by itself: it is the LLMs whose poolName names it, and it ends when the last of them leaves ('mcpctl describe pool NAME' lists them; 'mcpctl delete llm MEMBER', or 'poolName: null' in a document for 'mcpctl apply -f')",
  );
  completeResourceNames(deleteCommand);
}

/**
 * `delete -f`: every document is checked first (its kind, its name), and nothing is deleted while
 * any has a problem, as `apply -f` sends nothing then. Each resource is then deleted in the
 * reverse of apply's order; one mcpd refuses is reported, and the others still go.
 */
async function deleteDocuments(context: CliContext, paths: readonly string[]): Promise<void> {
  const source = wordList([...new Set(paths.map((path) => (path === '-' ? 'stdin' : path)))]);
  const read = readDocuments(await readSources(paths, context.io.stdin));
  if (read.documents.length === 0 && read.problems.length === 0) {
    context.printer.notice(`${source} ${paths.length > 1 ? 'hold' : 'holds'} no documents: nothing to delete`);
    return;
  }
  const targets: { target: DeleteTarget; order: number }[] = [];
  for (const document of read.documents) {
    try {
      const handler = documentHandler(document, 'delete -f');
      const deletion = DELETIONS.get(handler);
      if (deletion === undefined) throw new UsageError(`${documentWhere(document)} is kind ${document.kind ?? handler.kind}, which delete -f does not take`);
      targets.push({ target: { ...deletion(documentName(document)), where: documentWhere(document) }, order: [...DELETIONS.keys()].indexOf(handler) });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      read.problems.push({ at: read.positions.get(document) ?? 0, error });
    }
  }
  stopOnProblems(context.printer, read, source, 'deleted');
  const ordered = targets.sort((left, right) => left.order - right.order).map(({ target }) => target);
  await deleteEach(await context.api(), context.printer, ordered, `documents in ${source}`);
}

function documentName(document: SourceDocument): string {
  const { name } = document.fields;
  if (typeof name === 'string' && name.trim() !== '') return name;
  throw new UsageError(`${documentWhere(document)} has no name: delete -f deletes what a document names`);
}

/** What commander says of an unknown subcommand, said here because `delete` has an action of its own (`-f`). */
function unknownResource(deleteCommand: Command, resource: string): UsageError {
  const known = deleteCommand.commands.flatMap((command) => [command.name(), ...command.aliases()]);
  const meant = closestName(resource, known);
  return new UsageError(`unknown command '${resource}'${meant === undefined ? '' : ` (did you mean ${meant}?)`}`);
}
