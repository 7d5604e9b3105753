import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { MIGRATIONS_DIR } from '../src/db/migrate.js';

/** A fixed, obviously-fake secret for tests only (32+ characters as the config demands). */
export const TEST_AUTH_SECRET = 'test-secret-test-secret-test-secret-0000';
export const BACKEND_DIR = path.resolve(import.meta.dirname, '..');

export type Backend = {
  name: 'pglite' | 'postgres';
  /** A fresh, empty database: a PGlite directory or a new PostgreSQL database. */
  freshDatabase(): Promise<{ env: Record<string, string>; url?: string; dispose(): Promise<void> }>;
};

let template: Promise<string> | undefined;

/**
 * Creating a PGlite data directory runs initdb in WebAssembly (10–20 s on a busy machine);
 * opening one takes well under a second. So one migrated directory is made per version of
 * the migrations and copied for every fresh database.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const journal = readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'));
    const hash = createHash('sha256').update(journal).digest('hex').slice(0, 12);
    const final = path.join(tmpdir(), `todo-pglite-template-${hash}`);
    if (existsSync(path.join(final, 'PG_VERSION'))) return final;
    const work = mkdtempSync(path.join(tmpdir(), 'todo-pglite-build-'));
    const db = await openDatabase({ databaseUrl: undefined, dataDir: work });
    await db.migrate();
    await db.close();
    try {
      renameSync(work, final);
    } catch {
      // Another test process won the race; its template is equivalent.
      rmSync(work, { recursive: true, force: true });
    }
    return final;
  })();
  return template;
}

const pglite: Backend = {
  name: 'pglite',
  async freshDatabase() {
    const dir = mkdtempSync(path.join(tmpdir(), 'todo-pglite-'));
    cpSync(await pgliteTemplate(), path.join(dir, 'pglite'), { recursive: true });
    return {
      env: { DATA_DIR: path.join(dir, 'pglite') },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** TEST_DATABASE_URL names a role allowed to create databases (scripts/postgres.sh makes one). */
function postgres(adminUrl: string): Backend {
  return {
    name: 'postgres',
    async freshDatabase() {
      const name = `todo_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`create database "${name}"`);
      } finally {
        await admin.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        env: { DATABASE_URL: url.toString() },
        url: url.toString(),
        async dispose() {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          try {
            await c.query(`drop database if exists "${name}" with (force)`);
          } finally {
            await c.end();
          }
        },
      };
    },
  };
}

/** PGlite always; a real PostgreSQL too when TEST_DATABASE_URL is set. */
export function backends(): Backend[] {
  const url = process.env.TEST_DATABASE_URL?.trim();
  return url ? [pglite, postgres(url)] : [pglite];
}

/** Declares the same suite once per database backend: "[pglite] …", "[postgres] …". */
export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  for (const backend of backends()) describe(`[${backend.name}] ${name}`, () => fn(backend));
}

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({ NODE_ENV: 'test', AUTH_SECRET: TEST_AUTH_SECRET, LOG_LEVEL: 'silent', ...env });
}

export type TestApp = {
  app: FastifyInstance;
  config: Config;
  env: Record<string, string>;
};

/**
 * Builds the real app on a fresh database before the suite and closes both after it. The
 * returned object is filled in by `before`, so read its fields inside tests only.
 */
export function useApp(backend: Backend, env: Record<string, string> = {}): TestApp {
  const ctx = {} as TestApp;
  let dispose: (() => Promise<void>) | undefined;
  before(async () => {
    const db = await backend.freshDatabase();
    dispose = db.dispose;
    ctx.env = { ...db.env, ...env };
    ctx.config = testConfig(ctx.env);
    ctx.app = await buildApp(ctx.config);
  });
  after(async () => {
    await ctx.app?.close();
    await dispose?.();
  });
  return ctx;
}

let counter = 0;
/** A new user, signed up and signed in; returns the session cookie to send with requests. */
export async function signUp(app: FastifyInstance, name = 'user'): Promise<{ cookie: string; email: string }> {
  const email = `${name}-${process.pid}-${++counter}-${randomUUID().slice(0, 8)}@example.com`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/sign-up/email',
    headers: { origin: 'http://localhost' },
    payload: { email, password: 'correct horse battery', name },
  });
  if (res.statusCode !== 200) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
  return { cookie: sessionCookie(res.headers['set-cookie']), email };
}

export function sessionCookie(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = list.map((c) => c.split(';')[0]).find((c) => c?.includes('session_token'));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(list)}`);
  return cookie;
}

/** An API client bound to one user's session. */
export function client(app: FastifyInstance, cookie?: string) {
  const call = (method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
    });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => call('POST', url, body, headers),
    patch: (url: string, body?: unknown, headers?: Record<string, string>) => call('PATCH', url, body, headers),
    put: (url: string, body?: unknown) => call('PUT', url, body),
    delete: (url: string) => call('DELETE', url),
  };
}
