// Paths of the pinned tools scripts/tools/install.sh installs. Installing is idempotent and a
// warm run takes about a second, so callers always go through it instead of guessing paths;
// a cold run builds helm from source (~10 minutes): run the script once beforehand in CI.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Tools {
  /** The Kubernetes version rendering and validation target (helm's offline default is older). */
  KUBERNETES_VERSION: string;
  HELM3: string;
  HELM4: string;
  KUBECONFORM: string;
  KUSTOMIZE: string;
  KUBE_SCORE: string;
  K8S_SCHEMAS: string;
  GATEWAY_SCHEMAS: string;
}

const cached = new Map<string, Tools>();

/** Ensures the named tools (default: all) and returns every path. */
export function tools(only: string[] = []): Tools {
  const key = only.join(',');
  const hit = cached.get(key) ?? cached.get('');
  if (hit) return hit;
  const out = execFileSync(join(REPO_ROOT, 'scripts/tools/install.sh'), ['--print-env', ...only], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) throw new Error(`scripts/tools/install.sh printed an unexpected line: ${line}`);
    // The paths contain no characters printf %q would escape (cache dir, names, versions).
    env[m[1]!] = m[2]!;
  }
  const keys: (keyof Tools)[] = [
    'KUBERNETES_VERSION',
    'HELM3',
    'HELM4',
    'KUBECONFORM',
    'KUSTOMIZE',
    'KUBE_SCORE',
    'K8S_SCHEMAS',
    'GATEWAY_SCHEMAS',
  ];
  for (const k of keys) if (!env[k]) throw new Error(`scripts/tools/install.sh did not print ${k}`);
  const t = env as unknown as Tools;
  cached.set(key, t);
  return t;
}
