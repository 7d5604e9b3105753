/**
 * `npm run bench` (root): load test of the real backend (dist/server.js, NODE_ENV=production,
 * LOG_LEVEL=info) on a real PostgreSQL, next to two yardsticks measured in the same run by the
 * same client: a reference server (node:http + pg, the same SQL per request and nothing else)
 * and a bare node:http hello. Every figure is reported as a ratio to its yardstick, because the
 * absolute ones depend on whatever else the machine is doing.
 *
 *   BENCH_DATABASE_URL  role allowed to create databases (default: the URL scripts/postgres.sh prints)
 *   BENCH_DURATION      seconds per scenario and server (default 10)
 *   BENCH_CONNECTIONS   concurrent connections (default 32)
 *   BENCH_LOG_LEVEL     the backend's LOG_LEVEL (default info, as in production)
 *   BENCH_VARIANTS      extra backends to measure in the same run, to weigh a change before and
 *                       after: JSON [{"label": "...", "entry": "path/to/server.js", "env": {...}}]
 *                       (entry defaults to dist/server.js, env is merged over the production one;
 *                       "nodeArgs": ["--flag"] go to node before the entry)
 *
 * Exits non-zero on errors only (a non-2xx answer, a connection error, a timeout); a figure
 * below its target is a verdict, not a failure.
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

/** Targets: an API scenario against the reference, health against bare, RSS in MiB. */
const API_TARGET = 0.7;
const HEALTH_TARGET = 0.5;
const RSS_IDLE_MAX = 100;
const RSS_LOADED_MAX = 150;

type Variant = { label: string; entry: string; env: Record<string, string>; nodeArgs: string[] };
type Server = { label: string; base: string; child: ChildProcess; idleRss?: number; peakRss: number };
type Row = { rps: number; p50: number; p99: number };
type Scenario = {
  name: string;
  /** Who the backend is compared with. */
  yardstick: 'reference' | 'bare';
  path: string;
  method?: string;
  body?: string;
  /** Whose session the requests carry. */
  as: 'reader' | 'writer';
};

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

async function load(what: string, opts: Record<string, unknown>, server?: Server): Promise<Row> {
  const pid = server?.child.pid;
  const sampler = pid ? setInterval(() => (server!.peakRss = Math.max(server!.peakRss, rssMiB(pid))), 250) : undefined;
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  if (sampler) clearInterval(sampler);
  if (r.non2xx || r.errors || r.timeouts) {
    throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts — the figures would be meaningless`);
  }
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** A child that prints its port on the first line of stdout (bare and reference servers). */
async function startPrinting(file: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

function parseVariants(): Variant[] {
  const raw = process.env.BENCH_VARIANTS;
  if (!raw) return [];
  const list = JSON.parse(raw) as { label: string; entry?: string; env?: Record<string, string>; nodeArgs?: string[] }[];
  return list.map((v) => ({
    label: v.label,
    entry: path.resolve(REPO_ROOT, v.entry ?? ENTRY),
    env: v.env ?? {},
    nodeArgs: v.nodeArgs ?? [],
  }));
}

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((x) => x.split(';')[0]!);
}

function mergeCookies(...lists: string[][]): string {
  const byName = new Map<string, string>();
  for (const c of lists.flat()) byName.set(c.slice(0, c.indexOf('=')), c);
  return [...byName.values()].join('; ');
}

async function main() {
  if (!existsSync(ENTRY)) throw new Error('dist/server.js is missing: run `npm run build -w backend` first');
  const variants: Variant[] = [{ label: 'backend', entry: ENTRY, env: {}, nodeArgs: [] }, ...parseVariants()];
  for (const v of variants) if (!existsSync(v.entry)) throw new Error(`${v.label}: ${v.entry} is missing`);
  const admin = adminUrl();
  const dbName = `todo_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database "${dbName}"`);
  await c.end();
  const dbUrl = new URL(admin);
  dbUrl.pathname = `/${dbName}`;

  const children: ChildProcess[] = [];
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  try {
    // Every backend shares the database and the secret, so one session is valid on all of them.
    const authSecret = randomBytes(32).toString('base64url');
    const backends: Server[] = [];
    for (const v of variants) {
      const port = await freePort();
      const child = spawn(process.execPath, [...v.nodeArgs, v.entry], {
        cwd: BACKEND_DIR,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          AUTH_SECRET: authSecret,
          DATABASE_URL: dbUrl.toString(),
          HOST: '127.0.0.1',
          PORT: String(port),
          // The production level; the lines go to /dev/null, but they are formatted and written.
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
          ...v.env,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      const server: Server = { label: v.label, base: `http://127.0.0.1:${port}`, child, peakRss: 0 };
      await waitFor(`${server.base}/api/v1/health/ready`);
      backends.push(server);
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const b of backends) b.idleRss = rssMiB(b.child.pid!);

    const base = backends[0]!.base;
    async function signUp(who: string) {
      const res = await fetch(`${base}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ email: `bench-${who}-${Date.now()}@example.com`, password: 'bench password 123', name: who }),
      });
      if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { user: { id: string } };
      return { userId: body.user.id, cookies: cookiesOf(res) };
    }
    // The reader's data stays fixed (50 todos, 5 conversations); the creates go to the writer,
    // so that the list scenarios read the same rows whatever ran before them.
    const reader = await signUp('reader');
    const writer = await signUp('writer');
    const readerCookie = mergeCookies(reader.cookies);
    let firstTodoId = '';
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${base}/api/v1/todos`, {
        method: 'POST',
        headers: { cookie: readerCookie, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: `Todo number ${i}`,
          description: 'benchmark data',
          priority: ['low', 'medium', 'high'][i % 3],
          tags: ['bench'],
        }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
      if (i === 0) firstTodoId = ((await res.json()) as { id: string }).id;
    }
    // Creating a conversation through the API needs the model; its list needs only rows.
    await db.connect();
    for (let i = 0; i < 5; i++) {
      await db.query(`insert into conversations (user_id, title, updated_at) values ($1, $2, now() - make_interval(mins => $3))`, [
        reader.userId,
        `Conversation ${i}`,
        i,
      ]);
    }

    const reference = await startPrinting(path.join(BACKEND_DIR, 'bench', 'reference-server.mjs'), { DATABASE_URL: dbUrl.toString() });
    children.push(reference.child);
    const bare = await startPrinting(path.join(BACKEND_DIR, 'bench', 'bare-server.mjs'));
    children.push(bare.child);

    // A fresh cookie set before each run: with the session cookie cache on, its cached copy
    // expires after maxAge and a load generator does not store the renewed one.
    async function cookieFor(server: Server, as: 'reader' | 'writer'): Promise<string> {
      const own = as === 'reader' ? reader.cookies : writer.cookies;
      const res = await fetch(`${server.base}/api/auth/get-session`, { headers: { cookie: mergeCookies(own) } });
      if (res.status !== 200) throw new Error(`get-session on ${server.label}: ${res.status}`);
      return mergeCookies(own, cookiesOf(res));
    }

    const scenarios: Scenario[] = [
      { name: 'list-50', yardstick: 'reference', path: '/api/v1/todos?pageSize=50', as: 'reader' },
      { name: 'list-1', yardstick: 'reference', path: '/api/v1/todos?pageSize=1', as: 'reader' },
      {
        name: 'create',
        yardstick: 'reference',
        path: '/api/v1/todos',
        method: 'POST',
        body: JSON.stringify({ title: 'Created under load', priority: 'high', tags: ['bench'] }),
        as: 'writer',
      },
      {
        name: 'update',
        yardstick: 'reference',
        path: `/api/v1/todos/${firstTodoId}`,
        method: 'PATCH',
        body: JSON.stringify({ title: 'Updated under load' }),
        as: 'reader',
      },
      { name: 'conversations', yardstick: 'reference', path: '/api/v1/conversations', as: 'reader' },
      { name: 'health', yardstick: 'bare', path: '/api/v1/health', as: 'reader' },
    ];

    type Result = { scenario: Scenario; yard: Row; byLabel: Map<string, Row> };
    const results: Result[] = [];
    for (const s of scenarios) {
      const yard =
        s.yardstick === 'bare'
          ? await load(`${s.name} on bare`, { url: `${bare.base}/` })
          : await load(`${s.name} on reference`, {
              url: `${reference.base}${s.path}`,
              method: s.method ?? 'GET',
              headers: { cookie: mergeCookies(s.as === 'reader' ? reader.cookies : writer.cookies), 'content-type': 'application/json' },
              body: s.body,
            });
      const byLabel = new Map<string, Row>();
      for (const b of backends) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (s.yardstick === 'reference') headers.cookie = await cookieFor(b, s.as);
        byLabel.set(
          b.label,
          await load(`${s.name} on ${b.label}`, { url: `${b.base}${s.path}`, method: s.method ?? 'GET', headers, body: s.body }, b),
        );
      }
      results.push({ scenario: s, yard, byLabel });
    }

    const fmt = (n: number, d = 0) => n.toFixed(d).padStart(9);
    console.log(
      `\nmachine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}, node ${process.version}`,
    );
    console.log(
      `autocannon: ${CONNECTIONS} connections, ${DURATION} s per scenario and server; all servers and PostgreSQL on this machine\n`,
    );
    console.log(
      `${'scenario'.padEnd(15)}${'server'.padEnd(18)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ratio'.padStart(9)}  verdict`,
    );
    for (const r of results) {
      const target = r.scenario.yardstick === 'bare' ? HEALTH_TARGET : API_TARGET;
      console.log(
        `${r.scenario.name.padEnd(15)}${r.scenario.yardstick.padEnd(18)}${fmt(r.yard.rps)}${fmt(r.yard.p50, 1)}${fmt(r.yard.p99, 1)}${fmt(1, 3)}`,
      );
      for (const [label, row] of r.byLabel) {
        const ratio = row.rps / r.yard.rps;
        const verdict = `${ratio >= target ? 'MET' : 'MISSED'} (target ≥ ${target.toFixed(2)})`;
        console.log(`${''.padEnd(15)}${label.padEnd(18)}${fmt(row.rps)}${fmt(row.p50, 1)}${fmt(row.p99, 1)}${fmt(ratio, 3)}  ${verdict}`);
      }
    }
    console.log('');
    for (const b of backends) {
      const idle = b.idleRss ?? NaN;
      console.log(
        `${b.label.padEnd(18)} RSS idle ${idle.toFixed(0)} MiB ${idle <= RSS_IDLE_MAX ? 'MET' : 'MISSED'} (≤ ${RSS_IDLE_MAX}), ` +
          `after load (peak) ${b.peakRss.toFixed(0)} MiB ${b.peakRss <= RSS_LOADED_MAX ? 'MET' : 'MISSED'} (≤ ${RSS_LOADED_MAX})`,
      );
    }
  } finally {
    await db.end().catch(() => undefined);
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
