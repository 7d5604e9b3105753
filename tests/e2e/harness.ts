import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { BACKEND_CONFIG_ENV, CONFIG_ENV, READINESS_PATH, SECRET_ENV } from '@todo/contract';

/**
 * Runs the app the way `npm start` does — the backend on an embedded PGlite database and the
 * built Next.js server in front of it — on free loopback ports, as child processes this
 * harness owns and stops by process group. With BASE_URL set it starts nothing and tests
 * that stack instead (Compose, Kubernetes).
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

/** A first build on a busy two-core machine takes minutes; readiness after that, seconds. */
const BUILD_AND_START_TIMEOUT_MS = Number(process.env.E2E_START_TIMEOUT_MS ?? 15 * 60_000);

export type Stack = {
  baseUrl: string;
  /** The ENVIRONMENT_NAME the UI must show, when known. */
  environmentName: string | undefined;
  stop: () => Promise<void>;
};

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Child = { name: string; proc: ChildProcess; logFile: string; tail: string[] };

function npmCommand(args: string[]): [string, string[]] {
  // Under `npm run`/`npm test` this is npm's own CLI, run by the pinned Node.
  const npmCli = process.env.npm_execpath;
  return npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args];
}

export function startChild(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Child {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = path.join(RESULTS_DIR, `${name}.log`);
  const log = createWriteStream(logFile);
  // detached: the child leads its own process group, so stopping it also stops what it
  // spawned (npm → node) and nothing else.
  const proc = spawn(cmd, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 60) tail.shift();
    }
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  proc.on('exit', () => log.end());
  return { name, proc, logFile, tail };
}

export async function stopChild(child: Child, graceMs = 15_000): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // The group may outlive its leader by a moment (npm's child); make sure none stays.
  signalGroup('SIGKILL');
}

/** Polls until the URL answers with an accepted status, failing early if the child dies. */
export async function waitForHttp(
  url: string,
  child: Child | undefined,
  accept: (status: number) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null)) {
      throw new Error(
        `${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}) before ${url} answered; log ${child.logFile}:\n${child.tail.join('\n')}`,
      );
    }
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      await res.body?.cancel();
      if (accept(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms (last: ${last})`);
}

/**
 * Brings the frontend's production build up to date (a no-op when it is), in the foreground.
 * Servers are then started with FRONTEND_SKIP_BUILD=1, so none of them builds on its own.
 */
export async function ensureFrontendBuilt(): Promise<void> {
  const [cmd, args] = npmCommand(['run', 'start:local', '-w', 'frontend', '--', '--build-only']);
  // One log per test file (each runs in its own process), so a failed build's log survives.
  const child = startChild(`frontend-build-${process.pid}`, cmd, args, { ...process.env });
  const timer = setTimeout(() => void stopChild(child), BUILD_AND_START_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.proc.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`building the frontend failed (exit ${code}); log ${child.logFile}:\n${child.tail.join('\n')}`);
  }
}

/** Starts the built Next.js production server (see ensureFrontendBuilt). */
export function startFrontend(options: { port: number; apiBaseUrl: string; environmentName: string; name?: string }) {
  const [cmd, args] = npmCommand(['run', 'start:local', '-w', 'frontend']);
  return startChild(options.name ?? 'frontend', cmd, args, {
    ...process.env,
    FRONTEND_SKIP_BUILD: '1',
    PORT: String(options.port),
    FRONTEND_HOST: '127.0.0.1',
    [CONFIG_ENV.apiBaseUrl]: options.apiBaseUrl,
    [CONFIG_ENV.environmentName]: options.environmentName,
  });
}

export type StackOptions = {
  /** Extra environment for the backend child (e.g. OPENAI_BASE_URL pointing at a test's fake). */
  backendEnv?: Record<string, string>;
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const external = process.env.BASE_URL?.trim();
  if (external) {
    return {
      baseUrl: external.replace(/\/+$/, ''),
      environmentName: process.env.EXPECT_ENVIRONMENT_NAME?.trim() || undefined,
      stop: async () => {},
    };
  }

  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'todo-e2e-'));
  const [backendPort, frontendPort] = [await freePort(), await freePort()];
  const environmentName = `e2e-${randomBytes(3).toString('hex')}`;
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const baseUrl = `http://127.0.0.1:${frontendPort}`;

  const [cmd, args] = npmCommand(['run', 'start:local', '-w', 'backend']);
  const backend = startChild('backend', cmd, args, {
    ...process.env,
    NODE_ENV: 'development',
    [BACKEND_CONFIG_ENV.port]: String(backendPort),
    [BACKEND_CONFIG_ENV.host]: '127.0.0.1',
    [BACKEND_CONFIG_ENV.dataDir]: path.join(dataRoot, 'pglite'),
    [BACKEND_CONFIG_ENV.logLevel]: 'warn',
    [BACKEND_CONFIG_ENV.environmentName]: environmentName,
    [SECRET_ENV.authSecret]: randomBytes(32).toString('base64url'),
    // The embedded database only: never a DATABASE_URL from the caller's shell.
    [SECRET_ENV.databaseUrl]: '',
    ...options.backendEnv,
  });
  const children = [backend];
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    rmSync(dataRoot, { recursive: true, force: true });
  };
  // The backend starts while the frontend builds (when it must).
  let frontend: Child;
  try {
    await ensureFrontendBuilt();
    frontend = startFrontend({ port: frontendPort, apiBaseUrl: backendUrl, environmentName });
    children.push(frontend);
  } catch (err) {
    await stop();
    throw err;
  }
  try {
    await Promise.all([
      waitForHttp(`${backendUrl}${READINESS_PATH}`, backend, (s) => s === 200, BUILD_AND_START_TIMEOUT_MS),
      waitForHttp(`${baseUrl}/sign-in`, frontend, (s) => s === 200, BUILD_AND_START_TIMEOUT_MS),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const logs = () => children.map((c) => `--- ${c.name} (${c.logFile})\n${c.tail.join('\n')}`).join('\n');
  // The servers' last lines when the run failed, so a CI log shows why.
  process.once('exit', (code) => {
    if (code !== 0) console.error(logs());
  });
  return { baseUrl, environmentName, stop };
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-quic',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** How long one browser step may take before the test gives up on it. */
export const STEP_TIMEOUT_MS = 20_000;

export type BrowserSession = {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors the page threw since the last call, to fail the step they happened in. */
  takePageErrors: () => string[];
  close: () => Promise<void>;
};

/** Chromium with a fresh profile and one page; the page's uncaught errors are collected. */
export async function openBrowser(
  name: string,
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<BrowserSession> {
  assertChromium();
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), `todo-e2e-${name}-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => {
    console.error(`[browser ${name}] page error: ${err.message}`);
    errors.push(err.message);
  });
  return {
    context,
    page,
    takePageErrors: () => errors.splice(0),
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Fails when the page threw: an uncaught error is a bug even if the page still looks right. */
export function assertNoPageErrors(session: BrowserSession | undefined): void {
  const errors = session?.takePageErrors() ?? [];
  assert.deepEqual(errors, [], `uncaught JavaScript errors in the page:\n${errors.join('\n')}`);
}

/** Polls probe until ok accepts its value; fails with the last value seen, so a log shows what was there instead. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value)) {
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}
