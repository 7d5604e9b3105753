// Rendering and reading manifests for the contract tests: the chart through the pinned helm
// binaries, the plain manifests through the pinned kustomize, both parsed into plain objects.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, tools } from '../../../scripts/tools/tools.ts';

export { REPO_ROOT, tools };
export const CHART_DIR = join(REPO_ROOT, 'infra/helm/todo-app-chart');
export const PLAIN_DIR = join(REPO_ROOT, 'infra/k8s');

export type Obj = Record<string, any>;
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Obj;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
} & Obj;

/**
 * Values the tests pass where the chart requires secrets. Obvious non-secrets: the point is
 * to check where they go, and that no pod spec ever holds one literally.
 */
export const TEST_SECRETS = {
  databaseUrl: 'postgresql://todo@postgres.test.invalid:5432/contract-test-db',
  authSecret: 'contract-test-auth-secret-not-real-0123456789',
  openaiApiKey: 'contract-test-openai-key-not-real',
};
export const TEST_SECRET_SETS = [
  `secrets.databaseUrl=${TEST_SECRETS.databaseUrl}`,
  `secrets.authSecret=${TEST_SECRETS.authSecret}`,
  `secrets.openaiApiKey=${TEST_SECRETS.openaiApiKey}`,
];

export const HELMS = () => [
  { name: 'helm3', bin: tools().HELM3 },
  { name: 'helm4', bin: tools().HELM4 },
];

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(bin: string, args: string[]): HelmResult {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  valuesFiles?: string[];
  set?: string[];
  setString?: string[];
  release?: string;
  helmBin?: string;
}

export function templateArgs(o: RenderOptions): string[] {
  // --kube-version: helm built with `go install` assumes Kubernetes v1.20 offline, below the
  // chart's kubeVersion; render for the version the cluster and the schemas are.
  const args = ['template', o.release ?? 'todo', CHART_DIR, '--kube-version', tools().KUBERNETES_VERSION];
  for (const f of o.valuesFiles ?? []) args.push('-f', join(CHART_DIR, f));
  for (const s of o.set ?? []) args.push('--set', s);
  for (const s of o.setString ?? []) args.push('--set-string', s);
  return args;
}

export function renderYaml(o: RenderOptions = {}): string {
  const r = helm(o.helmBin ?? tools().HELM3, templateArgs(o));
  if (r.status !== 0) throw new Error(`helm ${templateArgs(o).join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => {
      if (d.errors.length) throw new Error(`YAML error: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function render(o: RenderOptions = {}): K8sObject[] {
  return parseObjects(renderYaml(o));
}

export function kustomizeYaml(): string {
  return execFileSync(tools().KUSTOMIZE, ['build', PLAIN_DIR], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

export function plain(): K8sObject[] {
  return parseObjects(kustomizeYaml());
}

/** Objects that are installed (not `helm test` hooks). */
export const installed = (objs: K8sObject[]) => objs.filter((o) => !o.metadata.annotations?.['helm.sh/hook']);
export const hooks = (objs: K8sObject[]) => objs.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');

export function ofKind(objs: K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

export function component(objs: K8sObject[], kind: string, name: 'backend' | 'frontend'): K8sObject {
  const found = objs.filter((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} of component ${name}, found ${found.length}`);
  return found[0]!;
}

export function byName(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `no ${kind} named ${name} (have: ${
        ofKind(objs, kind)
          .map((x) => x.metadata.name)
          .join(', ') || 'none'
      })`,
    );
  return o;
}

export function podSpecOf(o: K8sObject): Obj {
  return o.kind === 'Pod' ? o.spec! : o.spec!.template.spec;
}

/** kubeconform -strict against the offline v1.34 and Gateway API schemas; every kind must have one. */
export function kubeconform(yamlText: string): { ok: boolean; output: string } {
  const t = tools();
  const r = spawnSync(
    t.KUBECONFORM,
    [
      '-strict',
      '-summary',
      '-output',
      'text',
      // Offline only: a kind without a generated schema is an error, never a download.
      '-schema-location',
      `${t.K8S_SCHEMAS}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-schema-location',
      `${t.GATEWAY_SCHEMAS}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-',
    ],
    { input: yamlText, encoding: 'utf8' },
  );
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** The sets of manifests every contract test runs against: the chart's and the plain ones. */
export interface Subject {
  name: string;
  objects: () => K8sObject[];
}

const memo = <T>(f: () => T) => {
  let v: T | undefined;
  return () => (v ??= f());
};

export const SUBJECTS: Subject[] = [
  { name: 'chart (values.yaml + secrets)', objects: memo(() => render({ setString: TEST_SECRET_SETS })) },
  { name: 'chart (values-dev.yaml)', objects: memo(() => render({ valuesFiles: ['values-dev.yaml'] })) },
  { name: 'plain manifests (kustomize build infra/k8s)', objects: memo(plain) },
];
