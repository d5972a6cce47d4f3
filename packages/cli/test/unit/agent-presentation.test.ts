import { describe, expect, it } from 'vitest';
import { agentUpdateSchema } from '@mcpctl/protocol';
import { parseDocuments } from '../../src/documents/parse-documents.js';
import { formatTable, formatYamlDocuments } from '../../src/printer.js';
import { agentCreateFromSpec, agentSpecChanges, agentSpecFromDocument } from '../../src/resources/agent/agent-document.js';
import { agentPresentation } from '../../src/resources/agent/agent-presentation.js';
import { VIRTUAL_AGENT_EDITABLE_FIELDS } from '@mcpctl/protocol';
import { virtualChanges } from '../../src/resources/document-changes.js';
import { describeAgentFields, systemPromptLines } from '../../src/resources/agent/describe.js';
import { agentView } from '../helpers/agent-view.js';

function roundTrip(yaml: string, warn: (text: string) => void = () => undefined) {
  const [document] = parseDocuments(yaml, 'stdin');
  if (document === undefined) throw new Error('no document');
  return agentSpecFromDocument(document, warn);
}

describe('agents in get', () => {
  it('shows the columns of SPEC §7, and owner and parameters with -o wide', () => {
    const rows = [agentView(), agentView({ name: 'helper', project: null, description: null, defaultParams: {} })];
    const [header, first, second] = formatTable(agentPresentation.columns, rows).trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'KIND', 'STATUS', 'VISIBILITY', 'LLM', 'PROJECT', 'DESCRIPTION', 'ID']);
    expect(first?.split(/\s{2,}/)).toEqual(['reviewer', 'public', 'active', 'public', 'qwen3', 'platform', 'reviews pull requests', 'agt_01hx']);
    expect(second?.split(/\s{2,}/)).toEqual(['helper', 'public', 'active', 'public', 'qwen3', '-', '-', 'agt_01hx']);
    const wide = formatTable(agentPresentation.columns, rows, { wide: true }).split('\n');
    expect(wide[0]?.split(/\s{2,}/).slice(-2)).toEqual(['OWNER', 'PARAMS']);
    expect(wide[1]?.split(/\s{2,}/).slice(-2)).toEqual(['admin', 'stop=["END"],temperature=0.2']);
  });

  it('prints YAML that applies back as unchanged', () => {
    const view = agentView();
    const yaml = formatYamlDocuments([agentPresentation.toYamlDocument(view)]);
    expect(yaml.startsWith('kind: Agent\nid: agt_01hx\nname: reviewer\n')).toBe(true);
    const warnings: string[] = [];
    const spec = roundTrip(yaml, (text) => warnings.push(text));
    expect(warnings).toEqual([]);
    expect(spec.name).toBe('reviewer');
    expect(spec.update).toEqual({
      llm: 'qwen3',
      description: 'reviews pull requests',
      systemPrompt: 'You review code.\n\nBe specific.',
      project: 'platform',
      defaultParams: { temperature: 0.2, stop: ['END'] },
      extras: {},
      visibility: 'public',
    });
    expect(agentSpecChanges(spec, view)).toBe(false);
  });

  it('refuses default parameters mcpd would refuse, before anything is sent', () => {
    expect(() => roundTrip('kind: Agent\nname: warm\nllm: qwen3\ndefaultParams:\n  temperature: hot\n')).toThrow(
      'stdin: document 1 (agent/warm) is invalid: defaultParams: temperature: must be a number, not a string',
    );
    expect(() => roundTrip('kind: Agent\nname: warm\nllm: qwen3\ndefaultParams:\n  messages: []\n')).toThrow(/defaultParams cannot set messages: a chat sets it itself/);
  });

  it('sees a change inside the default parameters', () => {
    const spec = roundTrip('kind: Agent\nname: reviewer\nllm: qwen3\ndefaultParams:\n  temperature: 0.2\n  stop: [DONE]\n');
    expect(agentSpecChanges(spec, agentView())).toBe(true);
    // Fields the document leaves out are not compared: they are kept.
    const partial = roundTrip('kind: Agent\nname: reviewer\nllm: qwen3\n');
    expect(agentSpecChanges(partial, agentView())).toBe(false);
  });

  it('creates without the fields a document clears', () => {
    const spec = roundTrip('kind: Agent\nname: fresh\nllm: gpu\ndescription: null\nsystemPrompt: Be brief.\n');
    expect(agentCreateFromSpec(spec)).toEqual({ name: 'fresh', llm: 'gpu', systemPrompt: 'Be brief.' });
  });

  it('marks a virtual agent in YAML, and applies only what its owner may change', () => {
    const yaml = formatYamlDocuments([agentPresentation.toYamlDocument(agentView({ kind: 'virtual' }))]);
    expect(
      yaml.startsWith('# virtual agent published by mcplocal: apply changes only visibility, description; the rest is set in its mcplocal config.json\n\nkind: Agent\nvirtual: true\n'),
    ).toBe(true);
    // The comment is lost to the parser; the field is what apply reads back.
    expect(roundTrip(yaml).virtual).toBe('virtual: true');
    const json = JSON.stringify(agentView({ kind: 'virtual', visibility: 'public', llm: 'other' }));
    const [document] = parseDocuments(json, 'stdin');
    const spec = agentSpecFromDocument(document!, () => undefined);
    expect(spec.virtual).toBe('kind: virtual');
    expect(virtualChanges(spec.update, agentView({ kind: 'virtual', visibility: 'private' }), VIRTUAL_AGENT_EDITABLE_FIELDS)).toEqual({
      body: { visibility: 'public' },
      publisherOwned: ['llm'],
    });
  });

  it('reads the virtual marker apart from the fields it sends, and refuses one that is not a boolean', () => {
    const warnings: string[] = [];
    const marked = roundTrip('kind: Agent\nvirtual: true\nname: helper\nllm: qwen3\n', (text) => warnings.push(text));
    expect(marked).toMatchObject({ virtual: 'virtual: true', update: { llm: 'qwen3' } });
    expect(Object.keys(marked.update)).toEqual(['llm']);
    expect(warnings).toEqual([]);
    expect(roundTrip('kind: Agent\nvirtual: false\nname: helper\nllm: qwen3\n').virtual).toBeUndefined();
    expect(roundTrip(formatYamlDocuments([agentPresentation.toYamlDocument(agentView())])).virtual).toBeUndefined();
    expect(() => roundTrip('kind: Agent\nvirtual: yes please\nname: helper\n')).toThrow(
      'stdin: document 1 (agent/helper) is invalid: virtual: true marks a resource an mcplocal publishes; leave it out for a public one',
    );
  });

  it('keeps what a partial document leaves out, and needs llm only to create', () => {
    const spec = roundTrip('kind: Agent\nname: reviewer\ndescription: null\n');
    expect(spec.update).toEqual({ description: null });
    expect(agentSpecChanges(spec, agentView())).toBe(true);
    expect(() => agentCreateFromSpec(spec)).toThrow('no agent reviewer yet, and creating one needs llm (the LLM or pool that answers)');
  });

  it('warns of a default parameter a letter or two from a known one, and takes a server parameter of its own as it is', () => {
    const warnings: string[] = [];
    const spec = roundTrip('kind: Agent\nname: reviewer\nllm: qwen3\ndefaultParams: {tempreature: 0.5, top_k: 40, my_server_flag: true}\n', (text) => warnings.push(text));
    expect(spec.update.defaultParams).toEqual({ tempreature: 0.5, top_k: 40, my_server_flag: true });
    expect(warnings).toEqual([
      'warning: stdin: document 1 (agent/reviewer): defaultParams.tempreature is no parameter mcpctl knows; did you mean temperature? It is sent to the model server as written',
    ]);
  });

  it('refuses unknown fields and names invalid ones', () => {
    expect(() => roundTrip('kind: Agent\nname: reviewer\nllm: qwen3\nsystemPromt: typo\n')).toThrow(
      /^stdin: document 1 \(agent\/reviewer\) has unknown field systemPromt \(did you mean systemPrompt\?\); correct it or remove it$/,
    );
    expect(() => roundTrip('kind: Agent\nname: reviewer\nllm: Not_A_Name\n')).toThrow(/^stdin: document 1 \(agent\/reviewer\) is invalid: llm: /);
    expect(() => roundTrip('kind: Agent\nllm: qwen3\n')).toThrow(/^stdin: document 1 \(kind Agent\) is invalid: name: /);
  });

  it.each([
    ['description', 'd'.repeat(2049)],
    ['systemPrompt', 's'.repeat(100_001)],
    ['project', 'p'.repeat(257)],
    ['visibility', 'everyone'],
  ])('refuses %s as mcpd does (the bounds of its PUT body)', (field, value) => {
    expect(agentUpdateSchema.safeParse({ [field]: value }).success).toBe(false);
    expect(() => roundTrip(JSON.stringify({ kind: 'Agent', name: 'reviewer', llm: 'qwen3', [field]: value }))).toThrow(
      new RegExp(`^stdin: document 1 \\(agent/reviewer\\) is invalid: ${field}: `),
    );
  });
});

describe('describe agent', () => {
  it('shows every field and the system prompt in full, indented', () => {
    const fields = new Map(describeAgentFields(agentView(), new Date('2025-01-01T11:05:00.000Z')));
    expect(fields.get('LLM')).toBe('qwen3');
    expect(fields.get('Default params')).toBe('stop: ["END"]\ntemperature: 0.2');
    expect(fields.get('Extras')).toBe('-');
    expect(fields.get('Updated')).toBe('2025-01-01T10:05:00.000Z (1h ago)');
    expect(systemPromptLines('You review code.\n\nBe specific.')).toEqual(['  You review code.', '', '  Be specific.']);
    expect(systemPromptLines(null)).toEqual(['  -']);
    expect(fields.has('What to do')).toBe(false);
  });

  it('says what to do when the LLM is gone or names another owner\'s now', () => {
    const now = new Date('2025-01-01T11:05:00.000Z');
    const remedy = (view: Parameters<typeof agentView>[0]) => new Map(describeAgentFields(agentView(view), now)).get('What to do');
    expect(remedy({ llmState: 'gone' })).toBe(
      "qwen3 is not an LLM you can see (deleted, or private): its owner can point it at another LLM or pool (change llm in 'mcpctl get agent reviewer -o yaml', then mcpctl apply -f), or delete it",
    );
    expect(remedy({ llmState: 'moved' })).toBe(
      "qwen3 now names something other than what the agent was pinned to: its owner can point it at another LLM or pool (change llm in 'mcpctl get agent reviewer -o yaml', then mcpctl apply -f), or delete it and apply it again to pin what qwen3 names now",
    );
    expect(remedy({ llmState: 'gone', kind: 'virtual' })).toBe("qwen3 is not an LLM you can see (deleted, or private): its publisher sets another llmName for it in mcplocal's config.json");
  });
});
