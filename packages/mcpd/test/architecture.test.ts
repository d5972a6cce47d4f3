import { readFileSync, readdirSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * mcpd's layers as docs/architecture.md draws them. A layer is a folder of src/, or a file at
 * src/'s top; main.ts and index.ts belong to the composition root. Each layer lists the layers it
 * may import; anything else (an upward import, a folder-level cycle, a new folder nobody placed)
 * fails here. Moving a line is fine: change the table, the doc, and say why in docs/decisions.md.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  // The one place that knows every concrete class: builds the services and the HTTP app.
  composition: ['*'],
  routes: ['services', 'plugins', 'inference', 'relay', 'transports', 'rbac', 'security', 'errors', 'clock', 'version'],
  plugins: ['services', 'rbac', 'security', 'errors'],
  services: ['dispatch', 'relay', 'inference', 'catalog', 'rbac', 'repositories', 'security', 'errors', 'clock', 'metrics', 'read-through-cache'],
  dispatch: ['relay', 'inference', 'catalog', 'rbac', 'repositories', 'security', 'errors', 'clock'],
  // How a control connection travels (SSE + POST, the provider socket): below the routes that open
  // them, above relay, which knows only its ControlChannel.
  transports: ['relay', 'security', 'clock'],
  relay: ['inference', 'catalog', 'security', 'errors', 'clock'],
  // What crosses replicas (NATS): carries relay's RelayBus, as transports carry its ControlChannel.
  bus: ['relay'],
  inference: ['dialects', 'catalog', 'rbac', 'security', 'errors', 'clock', 'metrics'],
  dialects: [],
  catalog: ['repositories', 'security', 'errors', 'clock', 'read-through-cache'],
  rbac: ['errors'],
  repositories: [],
  security: ['errors', 'clock'],
  config: ['security', 'default-address'],
  logger: ['bounded-error-serializer'],
  'bounded-error-serializer': [],
  errors: [],
  clock: [],
  metrics: [],
  version: [],
  'private-data-dir': [],
  'secret-key-file': [],
  'data-dir-lock': [],
  'assert-port-free': [],
  // The container's health check: reads mcpd's command line, loaded by bin/mcpd-healthcheck.js alone.
  'healthcheck-url': ['default-address'],
  // Where mcpd listens by default: config.ts and the health check read the same.
  'default-address': [],
  // The cache under the catalog's LLM rows and the services' tokens, grants and agent names.
  'read-through-cache': [],
  // Imported first by main.ts: sets a V8 flag before the rest of mcpd loads.
  'no-pretenuring': [],
};

/** Packages only some layers may import: the database below the services, HTTP above them. */
const PACKAGE_USERS: Record<string, readonly string[]> = {
  // errors.ts tells a database that cannot be reached (503) from a fault (500), by the driver's errors.
  '@mcpctl/db': ['composition', 'services', 'repositories', 'errors'],
  // errors.ts holds the one error mapper, which answers Fastify's errors.
  fastify: ['composition', 'routes', 'plugins', 'errors'],
  // The provider socket's library: the transport it adapts and the route that upgrades to it.
  ws: ['routes', 'transports'],
  // The bus between replicas.
  '@nats-io/transport-node': ['bus'],
  // The HTTP exchange with a public LLM's upstream: the inference path's own; security masks
  // the credentials it sends (the Basic token made of a URL's user info) where an upstream quotes them.
  '@mcpctl/upstream': ['inference', 'security'],
};

const SRC = fileURLToPath(new URL('../src', import.meta.url));

interface ImportLine {
  file: string;
  from: string;
  /** The layer imported, or the package name for a bare specifier. */
  to: string;
  /** A file of src/ rather than a package. */
  local: boolean;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `services/llm-service.ts` is in `services`; `config.ts` is `config`; the entry points are `composition`. */
function layerOf(pathInSrc: string): string {
  const [first = '', ...rest] = pathInSrc.split('/');
  if (rest.length > 0) return first;
  const name = first.replace(/\.(ts|js)$/, '');
  return name === 'main' || name === 'index' ? 'composition' : name;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every `import … from`, `export … from`, `import '…'` and `import('…')` of a file. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)'([^']+)'/g;

function importLines(): ImportLine[] {
  return sourceFiles(SRC).flatMap((path) => {
    const file = relative(SRC, path).split(sep).join('/');
    const text = readFileSync(path, 'utf8');
    return [...text.matchAll(SPECIFIER)].flatMap(([, specifier = '']): ImportLine[] => {
      if (!specifier.startsWith('.')) return [{ file, from: layerOf(file), to: packageOf(specifier), local: false }];
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      return [{ file, from: layerOf(file), to: layerOf(target), local: true }];
    });
  });
}

/** The layer edges, each with one file that makes it, for the failure message. */
function layerEdges(lines: ImportLine[]): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const line of lines) {
    if (!line.local || line.from === line.to) continue;
    const targets = edges.get(line.from) ?? new Map<string, string>();
    if (!targets.has(line.to)) targets.set(line.to, line.file);
    edges.set(line.from, targets);
  }
  return edges;
}

/** Each cycle found by a depth-first walk, as the layers around it. */
function cycles(edges: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (layer: string) => {
    state.set(layer, 'open');
    path.push(layer);
    for (const next of edges.get(layer)?.keys() ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(layer, 'done');
  };
  for (const layer of edges.keys()) if (!state.has(layer)) visit(layer);
  return found;
}

describe("mcpd's layers", () => {
  const lines = importLines();

  it('reads the imports of every source file', () => {
    expect(lines.length).toBeGreaterThan(200);
    expect(lines.some((line) => line.file === 'routes/audit-routes.ts' && line.to === 'services')).toBe(true);
  });

  it('places every folder and top-level file of src/ in the table', () => {
    const layers = new Set(lines.flatMap((line) => (line.local ? [line.from, line.to] : [line.from])));
    const unplaced = [...layers].filter((layer) => !(layer in MAY_IMPORT));
    expect(unplaced).toEqual([]);
  });

  it('imports only downwards', () => {
    const upward = lines
      .filter((line) => line.local && line.from !== line.to)
      .filter((line) => {
        const allowed = MAY_IMPORT[line.from] ?? [];
        return !allowed.includes('*') && !allowed.includes(line.to);
      })
      .map((line) => `${line.file} imports ${line.to}`);
    expect(upward).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(cycles(layerEdges(lines)).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('keeps the database below the services and HTTP above them', () => {
    const misplaced = lines
      .filter((line) => line.to in PACKAGE_USERS && !(PACKAGE_USERS[line.to] ?? []).includes(line.from))
      .map((line) => `${line.file} imports ${line.to}`);
    expect(misplaced).toEqual([]);
  });

  it('draws a table without cycles', () => {
    const drawn = new Map(
      Object.entries(MAY_IMPORT).map(([layer, targets]) => [layer, new Map(targets.filter((target) => target !== '*').map((target) => [target, 'the table']))]),
    );
    expect(cycles(drawn).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const edges = new Map([
      ['relay', new Map([['inference', 'relay/a.ts']])],
      ['inference', new Map([['dispatch', 'inference/b.ts']])],
      ['dispatch', new Map([['relay', 'dispatch/c.ts']])],
    ]);
    expect(cycles(edges)).toEqual([['relay', 'inference', 'dispatch', 'relay']]);
  });
});
