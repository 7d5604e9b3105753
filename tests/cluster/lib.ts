// Helpers for the cluster tests: run kubectl/helm, poll for a condition, make HTTP requests.
// Paths and versions come from scripts/versions.env and the same cache layout as
// scripts/cluster/lib.sh, so the tests use the binaries the cluster scripts built.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function readVersions(): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'scripts/versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}
export const VERSIONS = readVersions();
function version(name: string): string {
  const v = VERSIONS[name];
  if (!v) throw new Error(`scripts/versions.env has no ${name}`);
  return v;
}

export const CACHE = process.env.TODO_APP_CACHE ?? join(homedir(), '.cache/todo-app');
export const CLUSTER_DIR = join(CACHE, 'cluster');

/** A binary built by scripts/cluster/build.sh, else the one on PATH (for kind/Minikube users). */
function cachedOrPath(name: string, ver: string, envOverride: string): string {
  const fromEnv = process.env[envOverride];
  if (fromEnv) return fromEnv;
  const cached = join(CACHE, 'bin', `${name}-${ver}`);
  return existsSync(cached) ? cached : name;
}
export const KUBECTL = cachedOrPath('kubectl', version('KUBERNETES_VERSION'), 'KUBECTL');
export const HELM3 = cachedOrPath('helm', version('HELM3_VERSION'), 'HELM3');
export const HELM4 = cachedOrPath('helm', version('HELM4_VERSION'), 'HELM4');

export { check, run, waitFor, type RunResult } from '../../harness/lib/process.js';
import { check } from '../../harness/lib/process.js';

export const kubectl = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) => check(KUBECTL, args, opts);

export async function kubectlJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

/** kubectl apply of objects given as JavaScript values. */
export async function apply(objects: object[], namespace?: string): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  await kubectl(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], { input: JSON.stringify(list) });
}

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
