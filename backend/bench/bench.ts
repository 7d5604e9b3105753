/**
 * `npm run bench -w backend`: load test of the real backend (dist/server.js, NODE_ENV=production)
 * on a real PostgreSQL, next to a bare Node.js http server measured in the same run.
 *
 *   BENCH_DATABASE_URL  role allowed to create databases (default: the URL scripts/postgres.sh prints)
 *   BENCH_DURATION      seconds per scenario (default 10)
 *   BENCH_CONNECTIONS   concurrent connections (default 32)
 *
 * Prints req/s, p50/p99 latency, idle and loaded RSS of the backend, and the ratio of each API
 * scenario to the bare server. A script, not a test: figures depend on the machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);
// autocannon ships no types; the subset used here is typed below.
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;
type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
};

const BACKEND_DIR = path.resolve(import.meta.dirname, '..');
const REPO_ROOT = path.resolve(BACKEND_DIR, '..');
const ENTRY = path.join(BACKEND_DIR, 'dist', 'server.js');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

function adminUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  return execFileSync(path.join(REPO_ROOT, 'scripts', 'postgres.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

async function load(name: string, opts: Record<string, unknown>, pid?: number) {
  let peak = 0;
  const sampler = pid ? setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250) : undefined;
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  if (sampler) clearInterval(sampler);
  if (r.non2xx || r.errors || r.timeouts) {
    throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts — the figures would be meaningless`);
  }
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, peakRss: peak };
}

async function main() {
  if (!existsSync(ENTRY)) throw new Error('dist/server.js is missing: run `npm run build -w backend` first');
  const admin = adminUrl();
  const dbName = `todo_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database "${dbName}"`);
  await c.end();
  const dbUrl = new URL(admin);
  dbUrl.pathname = `/${dbName}`;

  const children: ChildProcess[] = [];
  try {
    // The backend as the image runs it; logs at the production level, written to /dev/null.
    const port = await freePort();
    const backend = spawn(process.execPath, [ENTRY], {
      cwd: BACKEND_DIR,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        AUTH_SECRET: randomBytes(32).toString('base64url'),
        DATABASE_URL: dbUrl.toString(),
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(backend);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/api/v1/health/ready`);
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = rssMiB(backend.pid!);

    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench password 123', name: 'bench' }),
    });
    if (signUp.status !== 200) throw new Error(`sign-up failed: ${signUp.status} ${await signUp.text()}`);
    const cookie = signUp.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${base}/api/v1/todos`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Todo number ${i}`, description: 'benchmark data', priority: ['low', 'medium', 'high'][i % 3], tags: ['bench'] }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
    }

    const list = await load('GET /api/v1/todos (50 todos)', { url: `${base}/api/v1/todos?pageSize=50`, headers: { cookie } }, backend.pid);
    const create = await load(
      'POST /api/v1/todos',
      {
        url: `${base}/api/v1/todos`,
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Created under load', priority: 'high', tags: ['bench'] }),
      },
      backend.pid,
    );
    const loadedRss = Math.max(list.peakRss, create.peakRss);

    const bare = spawn(process.execPath, [path.join(BACKEND_DIR, 'bench', 'bare-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(bare);
    const barePort = await new Promise<number>((resolve) => bare.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    const baseline = await load('bare node:http, fixed JSON', { url: `http://127.0.0.1:${barePort}/` });

    const rows = [list, create, baseline];
    const fmt = (n: number, d = 0) => n.toFixed(d).padStart(9);
    console.log(`\nmachine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, node ${process.version}`);
    console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per scenario, same machine as the servers; PostgreSQL local\n`);
    console.log(`${'scenario'.padEnd(32)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'vs bare'.padStart(9)}`);
    for (const r of rows) {
      console.log(`${r.name.padEnd(32)}${fmt(r.rps)}${fmt(r.p50, 1)}${fmt(r.p99, 1)}${fmt(r.rps / baseline.rps, 3)}`);
    }
    console.log(`\nbackend RSS: idle ${idleRss.toFixed(0)} MiB, under load (peak) ${loadedRss.toFixed(0)} MiB`);
    console.log(
      `ratio bare/API: GET ${(baseline.rps / list.rps).toFixed(1)}x, POST ${(baseline.rps / create.rps).toFixed(1)}x (the bare server does no auth, no database, no validation)`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    const d = new pg.Client({ connectionString: admin });
    await d.connect();
    await d.query(`drop database if exists "${dbName}" with (force)`);
    await d.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
