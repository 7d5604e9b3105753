// Generates the plain manifests in infra/k8s from the chart rendered with values-dev.yaml, so
// the two cannot drift: the chart is the one hand-edited source, infra/k8s is its output with
// a banner. tests/contract/drift.test.ts fails when infra/k8s is stale.
//
//   npx tsx scripts/tools/render-plain-manifests.ts          rewrite infra/k8s
//   npx tsx scripts/tools/render-plain-manifests.ts --check  exit 1 and name stale files
//
// What differs from the Helm release: no test hooks, no Helm bookkeeping labels, and a
// kustomization.yaml listing every file. The Secret is not here: values-dev.yaml names the
// one `kubectl create secret generic todo-app-secrets` makes (infra/k8s/secrets/README.md).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT, tools } from './tools.ts';

export const CHART_DIR = join(REPO_ROOT, 'infra/helm/todo-app-chart');
export const PLAIN_DIR = join(REPO_ROOT, 'infra/k8s');
export const PLAIN_RELEASE = 'todo-app';

const BANNER = [
  '# GENERATED from infra/helm/todo-app-chart with values-dev.yaml — do not edit by hand.',
  '# Change the chart, then run: npx tsx scripts/tools/render-plain-manifests.ts',
  '# (tests/contract/drift.test.ts fails while this file is stale)',
].join('\n');

// Labels only Helm can set truthfully; the rest (name, instance, component, version, part-of)
// stay, so selectors match the chart's and a later `helm install todo-app` finds the same pods.
const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

/** Directory (under infra/k8s) and file name of each kind. */
function placement(obj: K8sObject): string {
  const component = obj.metadata.labels?.['app.kubernetes.io/component'];
  switch (obj.kind) {
    case 'Deployment':
      return `deployments/${component}.yaml`;
    case 'PodDisruptionBudget':
      return `deployments/${component}-pdb.yaml`;
    case 'ServiceAccount':
      return 'deployments/serviceaccount.yaml';
    case 'Service':
      return `services/${component}.yaml`;
    case 'ConfigMap':
      return `configmaps/${component}.yaml`;
    case 'Ingress':
      return 'ingress/ingress.yaml';
    default:
      throw new Error(`the plain manifests have no place for ${obj.kind} ${obj.metadata.name}: add one to placement()`);
  }
}

function stripHelmLabels(labels: Record<string, string> | undefined): void {
  if (!labels) return;
  for (const l of HELM_ONLY_LABELS) delete labels[l];
}

export function renderChartDev(helm = tools(['helm3']).HELM3): K8sObject[] {
  const out = execFileSync(
    helm,
    ['template', PLAIN_RELEASE, CHART_DIR, '--kube-version', tools(['helm3']).KUBERNETES_VERSION, '-f', join(CHART_DIR, 'values-dev.yaml')],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The plain manifests as file path (relative to infra/k8s) → content. */
export function generate(helm?: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const obj of renderChartDev(helm)) {
    if (obj.metadata.annotations?.['helm.sh/hook']) continue;
    stripHelmLabels(obj.metadata.labels);
    const tpl = (obj.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
    stripHelmLabels(tpl?.metadata?.labels);
    const path = placement(obj);
    if (files.has(path)) throw new Error(`two objects map to infra/k8s/${path}`);
    files.set(path, `${BANNER}\n${stringify(obj, { lineWidth: 0 })}`);
  }
  const resources = [...files.keys()].sort();
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
  };
  files.set(
    'kustomization.yaml',
    `${BANNER}\n# secrets/ is left out on purpose: applying its empty example would overwrite the\n# Secret you created with kubectl (see secrets/README.md).\n${stringify(kustomization)}`,
  );
  return files;
}

/** Files under infra/k8s that the generator owns: everything except secrets/. */
function ownedOnDisk(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(PLAIN_DIR, p);
      if (rel === 'secrets') continue;
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) found.push(rel);
    }
  };
  if (existsSync(PLAIN_DIR)) walk(PLAIN_DIR);
  return found;
}

/** Paths whose content differs from what the chart renders, plus stray generated files. */
export function stale(helm?: string): string[] {
  const want = generate(helm);
  const bad: string[] = [];
  for (const [path, content] of want) {
    const p = join(PLAIN_DIR, path);
    if (!existsSync(p) || readFileSync(p, 'utf8') !== content) bad.push(path);
  }
  for (const path of ownedOnDisk()) if (!want.has(path)) bad.push(`${path} (not generated by the chart any more)`);
  return bad;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const bad = stale();
    if (bad.length) {
      console.error(`infra/k8s is stale: ${bad.join(', ')}\nrun: npx tsx scripts/tools/render-plain-manifests.ts`);
      process.exit(1);
    }
    console.error('infra/k8s matches the chart');
  } else {
    for (const [path, content] of generate()) {
      const p = join(PLAIN_DIR, path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    console.error(`infra/k8s regenerated from ${relative(REPO_ROOT, CHART_DIR)}`);
  }
}
