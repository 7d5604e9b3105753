// Helpers of the Kubernetes end-to-end tests: kubectl/helm through child_process,
// HTTP to the Ingress on loopback, a user's API journey, steady bounded load, and the
// figures file. Everything is named by the environment scripts/e2e/lib.sh exports, so the
// tests run against whatever cluster and namespace the run set up.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { HEALTH_PATH, HealthOk, Todo, TodoList } from '@todo/contract';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through scripts/e2e/test.sh (or run.sh)`);
  return v;
}

export const NS = env('E2E_NAMESPACE');
export const K8S_NS = env('E2E_K8S_NAMESPACE');
export const RELEASE = env('E2E_RELEASE');
export const ROUTE_HOST = env('E2E_ROUTE_HOST');
export const BASE_URL = env('E2E_BASE_URL').replace(/\/+$/, '');
export const STATE_DIR = env('E2E_STATE');
export const KUBECTL = env('KUBECTL');
export const HELM = env('HELM');
export const CHART_DIR = join(REPO_ROOT, 'infra/helm/todo-app-chart');
export const VERSION = env('E2E_VERSION');
export const UPGRADE_TAG = env('E2E_UPGRADE_TAG');
/** Set by run.sh when the database is ours to stop (scripts/e2e/postgres.sh). */
export const PG_SCRIPT = process.env.E2E_PG_SCRIPT ?? '';
/** Names the chart gives with values-dev.yaml (fullnameOverride: todo-app). */
export const BACKEND = 'todo-app-backend';
export const FRONTEND = 'todo-app-frontend';
export const SECRET_NAME = 'todo-app-secrets';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

export { check, run, sleep, waitFor, type RunResult } from '../../harness/lib/process.js';
import { check, sleep, waitFor } from '../../harness/lib/process.js';
import { kubeClient } from '../../harness/lib/kube.js';

export const helm = (args: string[], opts: { timeoutMs?: number } = {}) => check(HELM, args, opts);

export const { kubectl, kubectlJson } = kubeClient(KUBECTL);

// ---------------------------------------------------------------------------------------------
// Pods and workloads

export interface Pod {
  metadata: { name: string; labels?: Record<string, string>; uid: string; creationTimestamp: string; deletionTimestamp?: string };
  spec: { containers: { name: string; image: string; env?: { name: string; value?: string; valueFrom?: any }[] }[] };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; image: string }[];
  };
}

export async function pods(ns: string, component?: 'backend' | 'frontend'): Promise<Pod[]> {
  const selector = component ? ['-l', `${COMPONENT_LABEL}=${component}`] : [];
  const list = await kubectlJson<{ items: Pod[] }>(['-n', ns, 'get', 'pods', ...selector]);
  // Pods of helm test hooks and one-off clients are not the app.
  return list.items.filter((p) => p.metadata.labels?.[COMPONENT_LABEL] !== 'test' && !p.metadata.labels?.['e2e-client']);
}

export const isReady = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const restarts = (p: Pod) => p.status.containerStatuses?.reduce((n, c) => n + c.restartCount, 0) ?? 0;

/** Waits until the Deployment has exactly `replicas` Ready, up-to-date pods and no others. */
export async function waitForDeployment(ns: string, name: string, replicas = 2, timeoutMs = 180_000): Promise<void> {
  let state = '';
  await waitFor(
    `deployment ${ns}/${name} at ${replicas}/${replicas} Ready`,
    async () => {
      const d = await kubectlJson<any>(['-n', ns, 'get', 'deployment', name]);
      const s = d.status ?? {};
      state = `ready=${s.readyReplicas ?? 0} updated=${s.updatedReplicas ?? 0} total=${s.replicas ?? 0}`;
      if (
        s.observedGeneration >= d.metadata.generation &&
        s.readyReplicas === replicas &&
        s.updatedReplicas === replicas &&
        s.availableReplicas === replicas &&
        (s.replicas ?? 0) === replicas
      ) {
        return true;
      }
      throw new Error(state);
    },
    timeoutMs,
    1000,
  );
}

/** Runs a Node.js script in a container of a running pod (the images have node, no shell). */
export async function nodeInPod(ns: string, pod: string, script: string, timeoutMs = 30_000): Promise<string> {
  return kubectl(['-n', ns, 'exec', pod, '--', 'node', '--input-type=module', '-e', script], { timeoutMs });
}

// ---------------------------------------------------------------------------------------------
// HTTP through the Ingress (or the Gateway, with its host name)

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function http(
  path: string,
  opts: { method?: string; host?: string; cookie?: string; json?: unknown; timeoutMs?: number; base?: string } = {},
): Promise<Answer> {
  const url = new URL(path, (opts.base ?? BASE_URL) + '/');
  const origin = `http://${opts.host ?? url.host}`;
  const headers: Record<string, string> = { origin, accept: 'application/json, text/html' };
  if (opts.host) headers.host = opts.host;
  if (opts.cookie) headers.cookie = opts.cookie;
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers, agent: false, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function json<T = any>(a: Answer, what: string): T {
  try {
    return JSON.parse(a.body) as T;
  } catch {
    throw new Error(`${what}: the body is not JSON (HTTP ${a.status}): ${a.body.slice(0, 300)}`);
  }
}

/** GET /api/v1/health, checked against the contract's schema. */
export async function health(opts: { host?: string; base?: string } = {}): Promise<{ status: 'healthy'; timestamp: string }> {
  const a = await http(HEALTH_PATH, opts);
  if (a.status !== 200) throw new Error(`GET ${HEALTH_PATH} answered ${a.status}: ${a.body.slice(0, 300)}`);
  return HealthOk.parse(json(a, HEALTH_PATH));
}

export interface User {
  email: string;
  password: string;
  cookie: string;
}

function sessionCookie(a: Answer): string {
  const raw = a.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const cookie = list.map((c) => c.split(';')[0]).find((c) => c?.includes('session_token'));
  if (!cookie) throw new Error(`no session cookie in the answer (HTTP ${a.status}): ${a.body.slice(0, 300)}`);
  return cookie;
}

/**
 * POST to Better Auth, waiting out its rate limit (a few sign-ups per 10 s from one client
 * address — every request of these tests comes from the Ingress's one address) the way a
 * well-behaved client does: after the X-Retry-After it sends, at most a minute in all.
 */
async function authCall(path: string, body: unknown, opts: { host?: string; base?: string }): Promise<Answer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const a = await http(path, { ...opts, method: 'POST', json: body });
    if (a.status !== 429 || Date.now() > deadline) return a;
    const wait = Number(a.headers['x-retry-after'] ?? a.headers['retry-after'] ?? 2);
    await sleep(Math.min(Math.max(wait, 1), 15) * 1000);
  }
}

export async function signUp(opts: { host?: string; base?: string } = {}): Promise<User> {
  const email = `k8s-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const a = await authCall('/api/auth/sign-up/email', { email, password, name: 'K8s E2E' }, opts);
  if (a.status !== 200) throw new Error(`sign-up answered ${a.status}: ${a.body.slice(0, 300)}`);
  return { email, password, cookie: sessionCookie(a) };
}

export async function signIn(user: Pick<User, 'email' | 'password'>, opts: { host?: string; base?: string } = {}): Promise<string> {
  const a = await authCall('/api/auth/sign-in/email', { email: user.email, password: user.password }, opts);
  if (a.status !== 200) throw new Error(`sign-in answered ${a.status}: ${a.body.slice(0, 300)}`);
  return sessionCookie(a);
}

export async function createTodo(cookie: string, title: string, opts: { host?: string; base?: string } = {}) {
  const a = await http('/api/v1/todos', { ...opts, method: 'POST', cookie, json: { title, priority: 'high', tags: ['k8s'] } });
  if (a.status !== 201) throw new Error(`POST /api/v1/todos answered ${a.status}: ${a.body.slice(0, 300)}`);
  return Todo.parse(json(a, 'POST /api/v1/todos'));
}

/** Every todo of the user, all pages. */
export async function listTodos(cookie: string, opts: { host?: string; base?: string } = {}) {
  const all: Todo[] = [];
  for (let page = 1; ; page++) {
    const a = await http(`/api/v1/todos?pageSize=100&page=${page}`, { ...opts, cookie });
    if (a.status !== 200) throw new Error(`GET /api/v1/todos answered ${a.status}: ${a.body.slice(0, 300)}`);
    const list = TodoList.parse(json(a, 'GET /api/v1/todos'));
    all.push(...list.items);
    if (list.items.length === 0 || all.length >= list.total) return all;
  }
}

/**
 * A user's whole journey through one front door: sign up, add two todos, complete one,
 * delete the other, and the list says exactly that; another user does not see them.
 */
export async function todoJourney(opts: { host?: string; base?: string } = {}): Promise<void> {
  const user = await signUp(opts);
  const a = await createTodo(user.cookie, 'Deploy to Kubernetes', opts);
  const b = await createTodo(user.cookie, 'Delete me', opts);
  const done = await http(`/api/v1/todos/${a.id}`, { ...opts, method: 'PATCH', cookie: user.cookie, json: { completed: true } });
  if (done.status !== 200) throw new Error(`PATCH answered ${done.status}: ${done.body.slice(0, 300)}`);
  if (Todo.parse(json(done, 'PATCH')).completed !== true) throw new Error('the completed todo is not completed');
  const del = await http(`/api/v1/todos/${b.id}`, { ...opts, method: 'DELETE', cookie: user.cookie });
  if (del.status !== 204) throw new Error(`DELETE answered ${del.status}: ${del.body.slice(0, 300)}`);
  const list = await listTodos(user.cookie, opts);
  if (list.length !== 1 || list[0]?.id !== a.id || !list[0].completed) {
    throw new Error(`the list after complete + delete is wrong: ${JSON.stringify(list)}`);
  }
  const other = await signUp(opts);
  const foreign = await http(`/api/v1/todos/${a.id}`, { ...opts, cookie: other.cookie });
  if (foreign.status !== 404) throw new Error(`another user's todo answered ${foreign.status}, not 404`);
  const anonymous = await http('/api/v1/todos', opts);
  if (anonymous.status !== 401) throw new Error(`an anonymous list answered ${anonymous.status}, not 401`);
}

/** The environment name the server-rendered page shows (the badge of the header). */
export async function shownEnvironmentName(opts: { host?: string } = {}): Promise<string> {
  const a = await http('/sign-in', opts);
  if (a.status !== 200) throw new Error(`GET /sign-in answered ${a.status}`);
  // <span data-testid="env-badge"><span class="visually-hidden">Environment: </span>NAME</span>
  const m = /data-testid="env-badge"[^>]*>(?:\s*<span[^>]*>[^<]*<\/span>)?([\s\S]*?)<\/span>/.exec(a.body);
  if (m?.[1] === undefined) throw new Error('no env-badge in the page');
  return m[1]
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]+>/g, '')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Steady, bounded load (autocannon) and figures

export interface LoadResult {
  url: string;
  requests: number;
  failed: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  p50: number;
  p99: number;
  rps: number;
}

export interface LoadTarget {
  path: string;
  /** Status codes that count as success (default: 200). */
  ok?: number[];
  cookie?: string;
  host?: string;
}

/**
 * Starts one autocannon instance per target at `rate` requests/second in total (split evenly)
 * and returns a function that stops them and reports per target. A request failed when it
 * errored, timed out, or answered a status outside `ok`.
 */
export function steadyLoad(targets: LoadTarget[], rate: number, opts: { durationSec?: number; connections?: number } = {}) {
  const perTarget = Math.max(1, Math.round(rate / targets.length));
  const runs = targets.map((t) => {
    const url = BASE_URL + t.path;
    const headers: Record<string, string> = {};
    if (t.cookie) headers.cookie = t.cookie;
    if (t.host) headers.host = t.host;
    const instance = autocannon({
      url,
      headers,
      connections: opts.connections ?? Math.max(2, Math.ceil(perTarget / 10)),
      overallRate: perTarget,
      duration: opts.durationSec ?? 3600,
      timeout: 5,
    });
    const done = new Promise<LoadResult>((resolvePromise, reject) => {
      instance.on('done', (r: any) => {
        const statusCodes: Record<string, number> = {};
        for (const [code, v] of Object.entries<any>(r.statusCodeStats ?? {})) statusCodes[code] = v.count;
        const ok = t.ok ?? [200];
        const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
        const good = Object.entries(statusCodes).reduce((n, [code, c]) => n + (ok.includes(Number(code)) ? c : 0), 0);
        resolvePromise({
          url: t.path,
          // autocannon counts a timeout as an error too.
          requests: answered + r.errors,
          failed: answered - good + r.errors,
          errors: r.errors,
          timeouts: r.timeouts,
          statusCodes,
          p50: r.latency.p50,
          p99: r.latency.p99,
          rps: r.requests.average,
        });
      });
      instance.on('error', reject);
    });
    return { instance, done };
  });
  return {
    /** Resolves when a fixed-duration run ends by itself. */
    finished: () => Promise.all(runs.map((r) => r.done)),
    stop: async () => {
      for (const r of runs) r.instance.stop();
      return Promise.all(runs.map((r) => r.done));
    },
  };
}

const FIGURES = () => join(STATE_DIR, 'figures.json');

/** Merges a figure into $E2E_STATE/figures.json (run.sh prints it at the end). */
export function recordFigure(key: string, value: unknown): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const all = existsSync(FIGURES()) ? JSON.parse(readFileSync(FIGURES(), 'utf8')) : {};
  all[key] = value;
  writeFileSync(FIGURES(), JSON.stringify(all, null, 2) + '\n');
}

/** The chart's flags every upgrade keeps (the install's values are reused). */
export async function helmUpgrade(args: string[], timeout = '5m'): Promise<number> {
  const started = Date.now();
  await helm(['upgrade', RELEASE, CHART_DIR, '-n', NS, '--reuse-values', ...args, '--wait', '--timeout', timeout], {
    timeoutMs: 6 * 60_000,
  });
  return (Date.now() - started) / 1000;
}
