import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { READINESS_PATH } from '@todo/contract';
import { migrationCount } from '../src/db/migrate.js';
import { BACKEND_DIR, TEST_AUTH_SECRET, backends, forEachBackend, sessionCookie } from './helper.js';

// The compiled entry point the image runs as PID 1 (`node dist/server.js`), started as a child
// process exactly like that: signals, exit codes and logs are the real ones.
const ENTRY = path.join(BACKEND_DIR, 'dist', 'server.js');

type Server = {
  proc: ChildProcess;
  port: number;
  base: string;
  logs: string[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
};

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    AUTH_SECRET: TEST_AUTH_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

function run(env: NodeJS.ProcessEnv): Omit<Server, 'port' | 'base'> {
  const proc = spawn(process.execPath, [ENTRY], { cwd: BACKEND_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const stderr: string[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => logs.push(...d.split('\n').filter(Boolean)));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { proc, logs, stderr, exit };
}

async function startServer(env: Record<string, string>, timeoutMs = 90_000): Promise<Server> {
  const s = run(baseEnv(env));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of s.logs) {
      const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (m) return { ...s, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` };
    }
    if (s.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  s.proc.kill('SIGKILL');
  throw new Error(`server did not start:\n${s.logs.join('\n')}\n${s.stderr.join('')}`);
}

async function signUp(base: string): Promise<{ cookie: string; email: string }> {
  const email = `srv-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const res = await fetch(`${base}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: 'correct horse battery', name: 'srv' }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return { cookie: sessionCookie(res.headers.getSetCookie()), email };
}

describe('dist/server.js start-up', { skip: existsSync(ENTRY) ? false : 'run `npm run build -w backend` first' }, () => {
  it('refuses to start in production without AUTH_SECRET and names it (exit 78)', async () => {
    const s = run({ PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0' });
    const { code } = await s.exit;
    assert.equal(code, 78);
    assert.match(s.stderr.join(''), /AUTH_SECRET is required when NODE_ENV=production/);
  });

  it('refuses to start in production without DATABASE_URL and names it (exit 78)', async () => {
    const s = run(baseEnv({}));
    const { code } = await s.exit;
    assert.equal(code, 78);
    assert.match(s.stderr.join(''), /DATABASE_URL is required when NODE_ENV=production/);
  });

  it('refuses an invalid PORT naming it', async () => {
    const s = run(baseEnv({ PORT: 'http' }));
    const { code } = await s.exit;
    assert.notEqual(code, 0);
    assert.match(s.stderr.join(''), /PORT/);
  });
});

forEachBackend('dist/server.js lifecycle', (backend) => {
  let env: Record<string, string>;
  let dispose: () => Promise<void>;
  before(async () => {
    const db = await backend.freshDatabase();
    // Production refuses the embedded PGlite, so on it the same entry point runs as `npm start`
    // runs it: in development mode.
    env = db.env.DATABASE_URL ? db.env : { NODE_ENV: 'development', ...db.env };
    dispose = db.dispose;
  });
  after(async () => dispose?.());

  it('exits 0 quickly on SIGTERM when idle, keeps data across a restart, logs JSON with request ids and never a secret or cookie', async () => {
    const first = await startServer(env);
    const { cookie, email } = await signUp(first.base);
    const created = await fetch(`${first.base}/api/v1/todos`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-request-id': 'trace-me-42' },
      body: JSON.stringify({ title: 'survives restarts' }),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('x-request-id'), 'trace-me-42');
    // Idle now: SIGTERM must end it with 0 within a few seconds.
    const termAt = Date.now();
    first.proc.kill('SIGTERM');
    const firstExit = await first.exit;
    assert.equal(firstExit.code, 0);
    assert.ok(firstExit.at - termAt < 5000, `idle exit took ${firstExit.at - termAt} ms`);

    const lines = first.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      lines.some((l) => l.reqId === 'trace-me-42'),
      'the caller’s request id is in the log',
    );
    const text = first.logs.join('\n');
    const token = cookie.split('=')[1]!;
    for (const secret of [TEST_AUTH_SECRET, token, decodeURIComponent(token), 'correct horse battery']) {
      assert.ok(!text.includes(secret), 'no secret, session token or password in the logs');
    }
    if (env.DATABASE_URL) assert.ok(!text.includes(new URL(env.DATABASE_URL).password));

    const second = await startServer(env);
    try {
      const signIn = await fetch(`${second.base}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: second.base },
        body: JSON.stringify({ email, password: 'correct horse battery' }),
      });
      assert.equal(signIn.status, 200);
      const old = await fetch(`${second.base}/api/v1/todos`, { headers: { cookie } });
      assert.equal(old.status, 200, 'the session from before the restart is still valid');
      assert.deepEqual(
        (await old.json()).items.map((t: { title: string }) => t.title),
        ['survives restarts'],
      );
    } finally {
      second.proc.kill('SIGTERM');
      await second.exit;
    }
  });

  it('on SIGTERM: an in-flight request completes, then the process exits 0 quickly', async () => {
    const s = await startServer(env);
    const { cookie } = await signUp(s.base);
    const body = JSON.stringify({ title: 'in flight during SIGTERM' });
    const sock = net.connect(s.port, '127.0.0.1');
    let response = '';
    sock.setEncoding('utf8').on('data', (d: string) => (response += d));
    // Headers and a part of the body: the request is in flight until the rest arrives.
    sock.write(
      `POST /api/v1/todos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const termAt = Date.now();
    s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(s.proc.exitCode, null, 'still running while a request is in flight');
    const probe = await fetch(`${s.base}${READINESS_PATH}`).then(
      (r) => r.status,
      () => 'refused',
    );
    assert.notEqual(probe, 200, 'readiness fails once shutdown began');
    sock.write(body.slice(10));
    const { code, at } = await s.exit;
    assert.match(response, /^HTTP\/1\.1 201 /, response);
    assert.match(response, /in flight during SIGTERM/);
    assert.equal(code, 0);
    assert.ok(at - termAt < 10_000, `exited ${at - termAt} ms after SIGTERM`);
    sock.destroy();
  });
});

// Two replicas on one empty PostgreSQL database, started at the same moment (PGlite is a
// single-process database, so this applies to PostgreSQL only).
const pgBackend = backends().find((b) => b.name === 'postgres');
describe(
  '[postgres] two instances starting together on one database',
  { skip: pgBackend && existsSync(ENTRY) ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    it('applies the migrations exactly once and both become ready', async () => {
      const db = await pgBackend!.freshDatabase();
      const servers = await Promise.all([startServer(db.env), startServer(db.env)]);
      try {
        for (const s of servers) assert.equal((await fetch(`${s.base}${READINESS_PATH}`)).status, 200);
        const applied = servers.filter((s) => s.logs.some((l) => l.includes('database migrations applied')));
        assert.equal(applied.length, 1, 'one instance migrated, the other waited on the lock and found nothing to do');
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const { rows } = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
          assert.equal(rows[0].n, migrationCount());
        } finally {
          await client.end();
        }
        // Either replica serves a session made on the other: sessions live in the database.
        const { cookie } = await signUp(servers[0]!.base);
        assert.equal((await fetch(`${servers[1]!.base}/api/v1/todos`, { headers: { cookie } })).status, 200);
      } finally {
        for (const s of servers) s.proc.kill('SIGTERM');
        for (const s of servers) assert.equal((await s.exit).code, 0);
        await db.dispose();
      }
    });
  },
);
