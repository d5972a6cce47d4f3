import { describe, expect, it } from 'vitest';
import { llmUpdateSchema } from '@mcpctl/protocol';
import { parseDocuments } from '../../src/documents/parse-documents.js';
import { UsageError } from '../../src/errors.js';
import { formatYamlDocuments } from '../../src/printer.js';
import { llmCreateFromSpec, llmSpecChanges, llmSpecFromDocument } from '../../src/resources/llm/llm-document.js';
import { publisherOwnedWarning, virtualChanges } from '../../src/resources/document-changes.js';
import { VIRTUAL_LLM_EDITABLE_FIELDS } from '@mcpctl/protocol';
import { llmPresentation } from '../../src/resources/llm/llm-presentation.js';
import { llmView } from '../helpers/llm-view.js';

describe('parseDocuments', () => {
  it('reads YAML documents separated by --- and skips empty ones', () => {
    const documents = parseDocuments('kind: Llm\nname: a\n---\n---\nkind: Llm\nname: b\n', 'in.yaml');
    expect(documents.map((document) => [document.index, document.kind, document.fields.name])).toEqual([
      [1, 'Llm', 'a'],
      [2, 'Llm', 'b'],
    ]);
  });

  it('reads a JSON object, a JSON array and a List in either syntax', () => {
    expect(parseDocuments('{"kind":"Llm","name":"a"}', 'x')).toHaveLength(1);
    expect(parseDocuments('[{"kind":"Llm","name":"a"},{"kind":"Llm","name":"b"}]', 'x')).toHaveLength(2);
    expect(parseDocuments('{"kind":"List","items":[{"kind":"Llm","name":"a"}]}', 'x')[0]?.fields.name).toBe('a');
    const yamlList = parseDocuments('kind: List\nitems:\n  - {kind: Llm, name: a}\n  - {kind: Llm, name: b}\n---\nkind: Llm\nname: c\n', 'x');
    expect(yamlList.map((document) => [document.index, document.fields.name])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('names the input and the document in parse errors', () => {
    expect(() => parseDocuments('{"kind": ', 'llms.json')).toThrow(/^llms\.json is not valid JSON/);
    expect(() => parseDocuments('kind: Llm\n---\nname: [unclosed\n', 'llms.yaml')).toThrow(/^llms\.yaml: YAML document 2 is invalid/);
    expect(() => parseDocuments('- just\n- a list of strings\n', 'x')).toThrow(/document 1 is not a mapping/);
  });

  it('shows a YAML syntax error with its reason, the line and a caret under the column', () => {
    const text = 'kind: Llm\nname: a\ntype: openai\nmodel: m\nurl: http://x: y\n';
    expect(() => parseDocuments(text, 'llms.yaml')).toThrow(
      new UsageError('llms.yaml: YAML document 1 is invalid: Nested mappings are not allowed in compact mappings at line 5, column 6:\n  url: http://x: y\n       ^'),
    );
  });
});

describe('llmSpecFromDocument', () => {

  it('drops the server-managed fields of a get -o yaml document, so it reads back as no change', () => {
    const view = llmView({ description: 'chat model', poolName: 'gpu', hasApiKey: true, maxConcurrent: 4 });
    const [document] = parseDocuments(formatYamlDocuments([llmPresentation.toYamlDocument(view)]), 'stdin');
    const spec = llmSpecFromDocument(document!, {});
    expect(spec).toEqual({
      name: 'qwen3',
      where: 'stdin: document 1 (llm/qwen3)',
      apiKey: undefined,
      hadApiKey: true,
      update: {
        type: 'openai',
        model: 'Qwen/Qwen3-8B',
        url: 'http://gpu-1.internal:8000/v1',
        tier: 'fast',
        description: 'chat model',
        poolName: 'gpu',
        visibility: 'public',
        maxConcurrent: 4,
      },
    });
    expect(llmSpecChanges(spec, view)).toBe(false);
    expect(llmSpecChanges(spec, { ...view, model: 'other' })).toBe(true);
    expect(llmSpecChanges(spec, { ...view, description: null })).toBe(true);
  });

  it('refuses to create an LLM from a view that had a key without the key, and takes one given', () => {
    const view = llmView({ hasApiKey: true });
    const [document] = parseDocuments(formatYamlDocuments([llmPresentation.toYamlDocument(view)]), 'stdin');
    expect(() => llmCreateFromSpec(llmSpecFromDocument(document!, {}))).toThrow(
      new UsageError(
        'no LLM qwen3 yet, and the document says hasApiKey: true without the key; give it with apiKeyEnv: VARIABLE (or apiKey), or remove hasApiKey to create the LLM without one',
      ),
    );
    const [keyed] = parseDocuments(`${formatYamlDocuments([llmPresentation.toYamlDocument(view)])}apiKeyEnv: QWEN_KEY\n`, 'stdin');
    expect(llmCreateFromSpec(llmSpecFromDocument(keyed!, { QWEN_KEY: 'sk-q' })).apiKey).toBe('sk-q');
  });

  it('accepts an LLM view as get -o json prints it (kind public)', () => {
    const [document] = parseDocuments(JSON.stringify(llmView()), 'x');
    expect(llmSpecFromDocument(document!, {})).toMatchObject({ name: 'qwen3', virtual: undefined });
  });

  it('marks a virtual LLM with a field under kind: Llm, and refuses a marker that is not a boolean', () => {
    const yaml = formatYamlDocuments([llmPresentation.toYamlDocument(llmView({ kind: 'virtual', url: null }))]);
    expect(yaml).toMatch(/\n\nkind: Llm\nvirtual: true\nid: llm_01hx\n/);
    expect(formatYamlDocuments([llmPresentation.toYamlDocument(llmView())])).not.toContain('virtual');
    const [document] = parseDocuments('kind: Llm\nname: a\nvirtual: "true"\n', 'x');
    expect(() => llmSpecFromDocument(document!, {})).toThrow(
      new UsageError('x: document 1 (llm/a) is invalid: virtual: true marks a resource an mcplocal publishes; leave it out for a public one'),
    );
  });

  it("accepts a virtual LLM's view, whose url is null", () => {
    const view = llmView({ name: 'laptop', kind: 'virtual', url: null, visibility: 'private' });
    const [document] = parseDocuments(formatYamlDocuments([llmPresentation.toYamlDocument({ ...view, visibility: 'public' })]), 'llm.yaml');
    const spec = llmSpecFromDocument(document!, {});
    expect(spec.update).toMatchObject({ url: null, visibility: 'public' });
    expect(spec.virtual).toBe('virtual: true');
    const [json] = parseDocuments(JSON.stringify(view), 'llm.json');
    expect(llmSpecFromDocument(json!, {}).virtual).toBe('kind: virtual');
    // Only what the owner may change is sent; the URL a view shows as null is no change.
    expect(virtualChanges(spec.update, view, VIRTUAL_LLM_EDITABLE_FIELDS)).toEqual({ body: { visibility: 'public' }, publisherOwned: [] });
    expect(virtualChanges({ ...spec.update, model: 'other', maxConcurrent: 2 }, view, VIRTUAL_LLM_EDITABLE_FIELDS)).toEqual({
      body: { visibility: 'public' },
      publisherOwned: ['model', 'maxConcurrent'],
    });
    expect(publisherOwnedWarning(spec.where, ['model', 'maxConcurrent'])).toBe(
      "warning: llm.yaml: document 1 (llm/laptop): model and maxConcurrent are set in the publisher's mcplocal config.json, not by apply; left as they are",
    );
  });

  it('checks every bound mcpd checks before anything is sent, naming the file and the document', () => {
    const documents = parseDocuments('kind: Llm\nname: first-ok\ntype: openai\nmodel: m\nurl: http://x\n---\nkind: Llm\nname: second\nmaxConcurrent: 200000\n', 'llms.yaml');
    expect(llmSpecFromDocument(documents[0]!, {}).name).toBe('first-ok');
    expect(() => llmSpecFromDocument(documents[1]!, {})).toThrow(
      new UsageError('llms.yaml: document 2 (llm/second) is invalid: maxConcurrent: must be at most 100000'),
    );
  });

  it.each([
    ['maxConcurrent', 100_001],
    ['maxConcurrent', 0],
    ['model', 'm'.repeat(257)],
    ['description', 'd'.repeat(2049)],
    ['url', `http://x/${'p'.repeat(2048)}`],
    ['poolName', 'Bad_Pool'],
    ['apiKey', 'k'.repeat(4097)],
  ])('refuses %s as mcpd does (the bounds of its PUT body)', (field, value) => {
    // The protocol's own schema refuses it; so must the document, before it reaches mcpd.
    expect(llmUpdateSchema.safeParse({ [field]: value }).success).toBe(false);
    const [document] = parseDocuments(JSON.stringify({ kind: 'Llm', name: 'a', [field]: value }), 'x.json');
    expect(() => llmSpecFromDocument(document!, {})).toThrow(new RegExp(`^x\\.json: document 1 \\(llm/a\\) is invalid: ${field}: `));
  });

  it('keeps what a partial document leaves out, and needs type, model and url only to create', () => {
    const [document] = parseDocuments('kind: Llm\nname: qwen3\ndescription: null\n', 'x');
    const spec = llmSpecFromDocument(document!, {});
    expect(spec.update).toEqual({ description: null });
    expect(llmSpecChanges(spec, llmView({ description: 'old' }))).toBe(true);
    expect(llmSpecChanges(spec, llmView({ description: null }))).toBe(false);
    expect(() => llmCreateFromSpec(spec)).toThrow(new UsageError('no LLM qwen3 yet, and creating one needs type, model and url (missing: type, model, url)'));
  });

  it('reads the API key from the variable apiKeyEnv names, and fails naming a missing one', () => {
    const [document] = parseDocuments('kind: Llm\nname: gpt\ntype: openai\nmodel: gpt-4o\nurl: https://api.openai.com/v1\napiKeyEnv: OPENAI_KEY\n', 'x');
    const spec = llmSpecFromDocument(document!, { OPENAI_KEY: 'sk-test' });
    expect(spec.apiKey).toBe('sk-test');
    expect(llmCreateFromSpec(spec)).toEqual({ name: 'gpt', type: 'openai', model: 'gpt-4o', url: 'https://api.openai.com/v1', apiKey: 'sk-test' });
    expect(llmSpecChanges(spec, llmView({ name: 'gpt', model: 'gpt-4o', url: 'https://api.openai.com/v1' }))).toBe(true);
    const missing = (): unknown => llmSpecFromDocument(document!, { OPENAI_KEY: '' });
    expect(missing).toThrow(UsageError);
    expect(missing).toThrow(/environment variable OPENAI_KEY \(named by apiKeyEnv of x: document 1\) is not set or empty/);
  });

  it('reports invalid fields and unknown ones with the document number', () => {
    const [bad] = parseDocuments('kind: Llm\nname: Bad_Name\ntype: openai\nmodel: m\nurl: ftp://x\n', 'x');
    expect(() => llmSpecFromDocument(bad!, {})).toThrow(/^x: document 1 \(llm\/Bad_Name\) is invalid: url: .*; name: /);
    const [nameless] = parseDocuments('kind: Llm\ntype: openai\n', 'x');
    expect(() => llmSpecFromDocument(nameless!, {})).toThrow(/^x: document 1 \(kind Llm\) is invalid: name: /);
    const [typo] = parseDocuments('kind: Llm\nname: a\ntype: openai\nmodel: m\nurl: http://x\ndescripton: oops\nvisiblity: private\n', 'x');
    expect(() => llmSpecFromDocument(typo!, {})).toThrow(
      new UsageError('x: document 1 (llm/a) has unknown fields descripton (did you mean description?), visiblity (did you mean visibility?); correct them or remove them'),
    );
  });

  it('removes the stored key with apiKey: null, a change only while there is one', () => {
    const [document] = parseDocuments('kind: Llm\nname: gpt\ntype: openai\nmodel: gpt-4o\nurl: https://api.openai.com/v1\napiKey: null\n', 'x');
    const spec = llmSpecFromDocument(document!, {});
    expect(spec.apiKey).toBeNull();
    const view = { name: 'gpt', model: 'gpt-4o', url: 'https://api.openai.com/v1' };
    expect(llmSpecChanges(spec, llmView({ ...view, hasApiKey: true }))).toBe(true);
    expect(llmSpecChanges(spec, llmView({ ...view, hasApiKey: false }))).toBe(false);
    expect(llmCreateFromSpec(spec)).toEqual({ name: 'gpt', type: 'openai', model: 'gpt-4o', url: 'https://api.openai.com/v1' });
  });

  it('creates without the fields a document clears with null', () => {
    const [document] = parseDocuments('kind: Llm\nname: a\ntype: ollama\nmodel: m\nurl: http://x\npoolName: null\ndescription: null\n', 'x');
    expect(llmCreateFromSpec(llmSpecFromDocument(document!, {}))).toEqual({ name: 'a', type: 'ollama', model: 'm', url: 'http://x' });
  });
});
