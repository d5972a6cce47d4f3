import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const KUSTOMIZE_DIR = join(ROOT, 'deploy/kubernetes');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The kustomization's own fields this renderer applies; any other field would be silently ignored, so the test refuses it. */
const RENDERED_FIELDS = new Set(['apiVersion', 'kind', 'labels', 'resources', 'images']);

/**
 * Renders `deploy/kubernetes` as `kustomize build` does for the fields it uses: the listed
 * resources, the labels added to every object (not to selectors), and the image replaced.
 */
function renderKustomization(): K8sObject[] {
  const kustomization = parseYaml(readFileSync(join(KUSTOMIZE_DIR, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
    labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
    images?: Array<{ name: string; newName?: string; newTag?: string }>;
  };
  for (const field of Object.keys(kustomization)) expect(RENDERED_FIELDS, `kustomization field ${field}`).toContain(field);
  const objects = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(KUSTOMIZE_DIR, file), 'utf8')).map((document) => document.toJSON() as K8sObject),
  );
  for (const object of objects) {
    for (const { pairs, includeSelectors } of kustomization.labels ?? []) {
      expect(includeSelectors).toBe(false);
      object.metadata.labels = { ...object.metadata.labels, ...pairs };
    }
    const containers = (object.spec.template as { spec?: { containers?: Array<{ image: string }> } } | undefined)?.spec?.containers ?? [];
    for (const container of containers) {
      const image = kustomization.images?.find((entry) => entry.name === container.image);
      if (image) container.image = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
  }
  return objects;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/* SPEC §12 §8, issue 14 item 8: what `deploy/` ships, checked without a cluster or a Docker engine. */
describe('deploy/', () => {
  const objects = renderKustomization();
  const byKind = (kind: string) => objects.find((object) => object.kind === kind)!;

  it('renders objects that each validate against the Kubernetes schemas', () => {
    expect(objects.map((object) => object.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model!(object as never).validate()).not.toThrow();
      expect(object.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'mcpctl' });
    }
    // The schemas are really applied: a broken object fails them.
    const broken = structuredClone(byKind('Deployment'));
    (broken.spec as { replicas: unknown }).replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it('runs three replicas of mcpd, ready on /readyz, draining before they stop, with their secrets from a Secret', () => {
    const deployment = byKind('Deployment').spec as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: {
        metadata: { labels: Record<string, string> };
        spec: {
          terminationGracePeriodSeconds: number;
          securityContext: { runAsNonRoot: boolean };
          containers: Array<{
            image: string;
            args: string[];
            readinessProbe: { httpGet: { path: string } };
            lifecycle: { preStop: unknown };
            env: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
          }>;
        };
      };
    };
    expect(deployment.replicas).toBe(3);
    const pod = deployment.template.spec;
    const [mcpd] = pod.containers;
    expect(mcpd!.image).toBe('registry.example.com/mcpctl/mcpd:latest');
    expect(mcpd!.readinessProbe.httpGet.path).toBe('/readyz');
    expect(mcpd!.lifecycle.preStop).toBeDefined();
    // Longer than mcpd's own drain deadline (30 s) plus the preStop pause.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(35);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    for (const name of ['DATABASE_URL', 'MCPD_SECRET_KEY', 'MCPD_NATS_URL']) {
      expect(mcpd!.env.find((entry) => entry.name === name)?.valueFrom?.secretKeyRef).toEqual({ name: 'mcpd', key: name });
    }
    // Every setting the container is given is one mcpd reads.
    expect(mcpd!.args).toEqual(['--host', '0.0.0.0', '--port', '3100', '--data-dir', '/data']);

    const labels = deployment.template.metadata.labels;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
    expect(matches(deployment.selector.matchLabels)).toBe(true);
    expect(matches((byKind('Service').spec as { selector: Record<string, string> }).selector)).toBe(true);
    const budget = byKind('PodDisruptionBudget').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(matches(budget.selector.matchLabels)).toBe(true);
    expect(budget.minAvailable).toBeLessThan(deployment.replicas);
  });

  it('builds mcpd in stages into a non-root image whose entry point is mcpd, checked by /readyz, from files the repository has', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    const instructions = dockerfile
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const finalStage = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));
    const user = finalStage.find((line) => line.startsWith('USER '));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    expect(finalStage.find((line) => line.startsWith('ENTRYPOINT '))).toBe('ENTRYPOINT ["node", "packages/mcpd/bin/mcpd.js"]');
    // The check asks /readyz on the port mcpd was started with (healthcheck-url.test.ts runs it).
    expect(finalStage.find((line) => line.startsWith('HEALTHCHECK '))).toContain('"node", "packages/mcpd/bin/mcpd-healthcheck.js"');
    expect(readFileSync(join(ROOT, 'packages/mcpd/src/healthcheck-url.ts'), 'utf8')).toContain('/readyz');
    // What it copies from the build context exists, and what it copies out of the build stage is what `tsc -b` produces here.
    for (const line of instructions.filter((entry) => entry.startsWith('COPY '))) {
      const parts = line.split(/\s+/).slice(1);
      const fromStage = parts[0]!.startsWith('--from=');
      const sources = parts.filter((part) => !part.startsWith('--')).slice(0, -1);
      for (const source of sources) {
        const path = fromStage ? source.replace(/^\/(src|app)\//, '') : source;
        if (fromStage && path === source) continue;
        expect(existsSync(join(ROOT, path)), `${line}: ${path}`).toBe(true);
      }
    }
    expect(existsSync(join(ROOT, 'packages/mcpd/bin/mcpd.js'))).toBe(true);
  });

  it("has every package mcpd runs on in the one node_modules the image copies: the lockfile puts none in a workspace's own", () => {
    // The image copies /app/node_modules alone; npm nests a package under a workspace when two
    // versions of it are wanted, and mcpd would then fail at start for want of it.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const nested = Object.keys(lock.packages).filter((path) => /^packages\/[^/]+\/node_modules\//.test(path));
    expect(nested).toEqual([]);
    expect(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8')).toMatch(/COPY --from=dependencies \/app\/node_modules \.\/node_modules/);
  });
});
