// Helpers of the image tests: the Docker client, the images' names, the figures file, HTTP on
// loopback, and the file lists of an image's layers and of the leak scan over them.
//
// The files run one at a time in alphabetical order (build, compose, containers, scans) and
// share nothing but the Docker engine and artifacts/images/: build.test.ts builds the images
// once, the others require them to be tagged and fail naming the missing one if not.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_BACKEND, IMAGE_FRONTEND } from '@todo/contract';
import { pinned, REPO_ROOT } from '../../harness/lib/pinned.js';
import { check, run, sleep, type RunOptions } from '../../harness/lib/process.js';

export { check, run, sleep, waitFor } from '../../harness/lib/process.js';

export { REPO_ROOT };
// The scripts, the reporter of the e2e child and `git` take paths relative to the repository,
// as they do under harness/run.ts; a file run on its own from elsewhere behaves the same.
process.chdir(REPO_ROOT);

/** Debian's client, which has BuildKit built in (see scripts/images/docker-lib.sh). */
export const DOCKER = '/usr/bin/docker';
const DOCKER_ENV = { ...process.env, DOCKER_BUILDKIT: '1' };

export const docker = (args: string[], opts: RunOptions = {}) => check(DOCKER, args, { env: DOCKER_ENV, ...opts });
export const dockerRun = (args: string[], opts: RunOptions = {}) => run(DOCKER, args, { env: DOCKER_ENV, ...opts });

/** Reuse the images already tagged with the package version instead of building them. */
export const SKIP_BUILD = process.env.IMAGE_TESTS_SKIP_BUILD === '1';

export const NODE_MAJOR = pinned('NODE_MAJOR');
export const NODE_BASE_IMAGE = `node:${NODE_MAJOR}-bookworm-slim`;
export const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
export const BACKEND_IMAGE = `${IMAGE_BACKEND}:${VERSION}`;
export const FRONTEND_IMAGE = `${IMAGE_FRONTEND}:${VERSION}`;
export const POSTGRES_IMAGE = `todo-postgres:${VERSION}`;
export const PROXY_IMAGE = `todo-proxy:${VERSION}`;
export const ALL_IMAGES = [BACKEND_IMAGE, FRONTEND_IMAGE, POSTGRES_IMAGE, PROXY_IMAGE];

/** Names of this process's containers, networks, projects and probe images. */
export const RUN_ID = `imgtest${process.pid}`;

export const ARTIFACTS = join(REPO_ROOT, 'artifacts/images');
export const FIGURES = join(ARTIFACTS, 'figures.md');
export function appendFigures(text: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  appendFileSync(FIGURES, text);
}

/** Starts dockerd when no daemon answers (scripts/images/docker-lib.sh). */
export async function ensureDocker(): Promise<void> {
  await check('bash', ['-c', 'source scripts/images/docker-lib.sh && ensure_docker'], { timeoutMs: 600_000 });
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await dockerRun(['image', 'inspect', ref])).code === 0;
}

/** For the files after build.test.ts: the images must be there, else nothing can be tested. */
export async function requireImages(): Promise<void> {
  await ensureDocker();
  for (const img of ALL_IMAGES) {
    if (!(await imageExists(img))) {
      throw new Error(
        `${img} does not exist; nothing more can be tested: run tests/images/build.test.ts first (or scripts/images/build.sh)`,
      );
    }
  }
}

export type ImageConfig = {
  User: string;
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  Env: string[] | null;
  Labels: Record<string, string> | null;
  ExposedPorts: Record<string, object> | null;
  Healthcheck?: { Test?: string[] };
};

export async function imageInspect(ref: string): Promise<{ Config: ImageConfig; Size: number }> {
  const [info] = JSON.parse(await docker(['image', 'inspect', ref])) as { Config: ImageConfig; Size: number }[];
  if (!info) throw new Error(`docker image inspect ${ref} returned nothing`);
  return info;
}

export async function containerInspect<T = Record<string, unknown>>(name: string): Promise<T> {
  return (JSON.parse(await docker(['inspect', name])) as T[])[0]!;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** Base64 without `/`, `+` and `=`, which sed and URLs would take for syntax. */
export const randomToken = (bytes: number): string => randomBytes(bytes).toString('base64').replace(/[/+=]/g, '');

/** A TCP port nobody listens on now (for a port the stack is told to publish). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

export type HttpAnswer = { status: number; body: string; contentType: string };

/** GET without following redirects unless asked: an answer is judged as the client gets it. */
export async function httpGet(url: string, opts: { follow?: boolean; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const res = await fetch(url, { redirect: opts.follow ? 'follow' : 'manual', signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** Milliseconds until the URL answered 200; throws after timeoutMs. */
export async function waitHttp200(url: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let last = 'no answer';
  while (Date.now() - t0 < timeoutMs) {
    try {
      const r = await httpGet(url, { timeoutMs: 2000 });
      if (r.status === 200) return Date.now() - t0;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s; last: ${last}`);
}

/** Paths of a tar archive, without "./" and trailing slashes, names taken literally. */
export async function tarPaths(file: string): Promise<string[]> {
  const out = await check('tar', ['--quoting-style=literal', '-tf', file], { timeoutMs: 600_000 });
  return out
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^\.\//, '').replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * Every path of every layer of an image (`docker save`), not only of the merged file system:
 * a file that one layer adds and a later one deletes still ships, so the deletion's whiteout
 * counts as the file. An opaque-directory marker names no file and is left out.
 */
export async function layerPaths(image: string, workDir: string): Promise<string[]> {
  const dir = mkdtempSync(join(workDir, 'save-'));
  try {
    const archive = join(dir, 'image.tar');
    await docker(['save', '-o', archive, image], { timeoutMs: 600_000 });
    await check('tar', ['-C', dir, '-xf', archive], { timeoutMs: 600_000 });
    rmSync(archive);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    const layers = manifest.flatMap((m) => m.Layers);
    if (layers.length === 0) throw new Error(`docker save of ${image} lists no layers`);
    const names = new Set<string>();
    for (const layer of layers) {
      for (const p of await tarPaths(join(dir, layer))) {
        const slash = p.lastIndexOf('/');
        const head = slash >= 0 ? p.slice(0, slash + 1) : '';
        let base = p.slice(slash + 1);
        if (base.startsWith('.wh.')) {
          base = base.slice(4);
          if (base.startsWith('.wh.')) continue;
        }
        names.add(head + base);
      }
    }
    return [...names].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type LeakKind = 'env' | 'map' | 'test' | 'source' | 'secret';
export const LEAK_KINDS: Record<LeakKind, string> = {
  env: '.env file',
  map: 'source map of our code',
  test: 'test file',
  source: 'TypeScript source',
  secret: '.git, data dir, npmrc, key or build secret',
};
export type Leak = { kind: LeakKind; path: string };

/**
 * The paths that must not ship. Our code is /app outside node_modules: source maps, tests and
 * TypeScript sources count there only; .env files, keys and build secrets count anywhere
 * outside the OS's own /usr and /etc.
 */
export function leakScan(paths: string[]): Leak[] {
  const leaks: Leak[] = [];
  for (const path of paths) if (/(^|\/)\.env($|\.)/.test(path)) leaks.push({ kind: 'env', path });
  const app = paths.filter((p) => p.startsWith('app/') && !p.includes('/node_modules/'));
  for (const path of app) if (/\.map$/.test(path)) leaks.push({ kind: 'map', path });
  for (const path of app) {
    if (/(\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)(tests?|__tests__|e2e|bench)(\/|$))/.test(path)) leaks.push({ kind: 'test', path });
  }
  for (const path of app) if (/\.(ts|tsx|mts|cts)$/.test(path) && !/\.d\.[cm]?ts$/.test(path)) leaks.push({ kind: 'source', path });
  for (const path of paths) {
    if (
      /(^|\/)(\.git|\.data|\.npmrc|\.secretlintrc[^/]*|id_rsa[^/]*|[^/]+\.(pem|key))$|^run\/secrets/.test(path) &&
      !/^(usr|etc)\//.test(path)
    ) {
      leaks.push({ kind: 'secret', path });
    }
  }
  return leaks;
}

/** Runs fn for cleanup and never lets its failure hide the test's own. */
export async function quietly(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch {
    // cleanup of something that may never have been created
  }
}
