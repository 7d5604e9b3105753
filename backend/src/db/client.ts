import { mkdirSync } from 'node:fs';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import { SECRET_ENV } from '@todo/contract';
import { ConfigError } from '../config.js';
import { schema, type Schema } from './schema.js';
import { runMigrations } from './migrate.js';

/** The drizzle database both drivers give; repositories are written against this alone. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Database = {
  kind: 'postgres' | 'pglite';
  db: Db;
  /** Fails when the database does not answer `SELECT 1` within timeoutMs. */
  ping(timeoutMs: number): Promise<void>;
  migrate(): Promise<{ applied: number }>;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  databaseUrl: string | undefined;
  dataDir: string;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** Upper bound of pool connections per process. */
  poolMax?: number;
};

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts);
  return openPglite(opts.dataDir);
}

function openPostgres(url: string, opts: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    // A database that is down must fail readiness quickly instead of queueing requests.
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    application_name: 'todo-backend',
  });
  // A server restart or a terminated backend emits 'error' on idle clients; unhandled, it
  // would crash the process. The pool drops the client and the next query reconnects.
  pool.on('error', (err) => opts.logger?.warn({ err: err.message }, 'idle database connection lost'));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    async ping(timeoutMs) {
      await withTimeout(pool.query('SELECT 1'), timeoutMs, 'the database');
    },
    async migrate() {
      // The advisory lock is held by one session, so the migration runs on one dedicated client.
      const client = await pool.connect();
      try {
        return await runMigrations(drizzlePg({ client, schema }) as unknown as Db, async (q) => (await client.query(q)).rows);
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  // Loaded only when used, and installed only with the development dependencies: the image
  // ships without the WebAssembly build, and a PostgreSQL deployment never loads it.
  const { PGlite } = await import('@electric-sql/pglite').catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new ConfigError(
      `${SECRET_ENV.databaseUrl} is not set and the embedded database (@electric-sql/pglite, a development dependency) is not installed: set ${SECRET_ENV.databaseUrl} to a postgres:// URL, or install the development dependencies`,
    );
  });
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  mkdirSync(dataDir, { recursive: true });
  // PostgreSQL's default 128 MB of shared buffers live in the WebAssembly heap, which never
  // shrinks: for one developer's todos 16 MB is plenty and keeps `npm start` light.
  const client = await PGlite.create(dataDir, {
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
  });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async ping(timeoutMs) {
      await withTimeout(client.query('SELECT 1'), timeoutMs, 'the database');
    },
    async migrate() {
      return runMigrations(db, async (q) => (await client.query<Record<string, unknown>>(q)).rows);
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}
