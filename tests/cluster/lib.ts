// Helpers for the cluster tests: run kubectl/helm, poll for a condition, make HTTP requests.
// Paths and versions come from scripts/versions.env and the same cache layout as
// scripts/cluster/lib.sh, so the tests use the binaries the cluster scripts built.
import { request } from 'node:http';
import { join } from 'node:path';
import { cachedTool, CACHE, pinned } from '../../harness/lib/pinned.js';
import { kubeClient } from '../../harness/lib/kube.js';

export { REPO_ROOT, CACHE } from '../../harness/lib/pinned.js';
export const CLUSTER_DIR = join(CACHE, 'cluster');

/** Binaries built by scripts/cluster/build.sh, else the ones on PATH (for kind/Minikube users). */
export const KUBECTL = cachedTool('kubectl', pinned('KUBERNETES_VERSION'), 'KUBECTL');
export const HELM3 = cachedTool('helm', pinned('HELM3_VERSION'), 'HELM3');
export const HELM4 = cachedTool('helm', pinned('HELM4_VERSION'), 'HELM4');

export { check, run, waitFor, type RunResult } from '../../harness/lib/process.js';
export const { kubectl, kubectlJson, apply } = kubeClient(KUBECTL);

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP GET on a fresh connection (so each request can reach a different backend). */
export function httpGet(url: string, opts: { host?: string; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { agent: false, headers: opts.host ? { host: opts.host } : {}, timeout: opts.timeoutMs ?? 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Hello {
  name: string;
  pod: string;
  path: string;
  host: string | null;
}

/** GET expecting 200 and the hello server's JSON. */
export async function getHello(url: string, host?: string): Promise<Hello> {
  const r = await httpGet(url, { host });
  if (r.status !== 200) throw new Error(`GET ${url}${host ? ` (Host: ${host})` : ''} answered ${r.status}: ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as Hello;
}
