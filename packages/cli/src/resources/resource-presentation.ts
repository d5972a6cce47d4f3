import type { Column, OutputFormat, Printer, YamlDocument } from '../printer.js';

/** How one resource type is shown by `get`. */
export interface ResourcePresentation<T> {
  /** The `kind` of its documents (`Llm`): `-o yaml` writes it, `-o json` adds it to views with none of their own. */
  kind: string;
  /** For "No LLMs found." */
  plural: string;
  columns: ReadonlyArray<Column<T>>;
  /** The `-o yaml` document, in the form `apply -f` accepts. */
  toYamlDocument: (view: T) => YamlDocument;
}

/** A list: a table, a JSON array, or YAML documents. An empty list says so on stderr. */
export function printResourceList<T>(printer: Printer, format: OutputFormat, presentation: ResourcePresentation<T>, views: T[]): void {
  if (format === 'json') {
    printer.json(views.map((view) => jsonView(presentation, view)));
    return;
  }
  if (views.length === 0) {
    printer.notice(`No ${presentation.plural} found.`);
    return;
  }
  if (format === 'yaml') printer.yaml(views.map(presentation.toYamlDocument));
  else printer.table(presentation.columns, views, { wide: format === 'wide' });
}

/** One resource: a one-row table, a JSON object, or one YAML document. */
export function printResource<T>(printer: Printer, format: OutputFormat, presentation: ResourcePresentation<T>, view: T): void {
  if (format === 'json') printer.json(jsonView(presentation, view));
  else if (format === 'yaml') printer.yaml([presentation.toYamlDocument(view)]);
  else printer.table(presentation.columns, [view], { wide: format === 'wide' });
}

/**
 * The view as mcpd sent it, with its kind in front when it has no `kind` of its own (an LLM's or
 * agent's `kind` says public or virtual, which `apply` reads as well), so `get -o json` applies
 * back as `get -o yaml` does.
 */
function jsonView<T>(presentation: ResourcePresentation<T>, view: T): unknown {
  if (typeof view !== 'object' || view === null || 'kind' in view) return view;
  return { kind: presentation.kind, ...view };
}
