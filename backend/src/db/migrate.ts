import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import type { Db } from './client.js';

/** The committed SQL migrations; src/db and dist/db are both two levels below backend/. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

/**
 * Arbitrary but fixed: every replica takes the same lock, so when several start at once
 * one applies the migrations and the others wait, then find nothing left to do.
 */
export const MIGRATION_LOCK_KEY = 7_263_115_400;

export function migrationCount(): number {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

export type Query = (query: string) => Promise<Record<string, unknown>[]>;

async function appliedCount(query: Query): Promise<number> {
  const [exists] = await query(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!exists?.present) return 0;
  const [r] = await query('select count(*)::int as n from drizzle.__drizzle_migrations');
  return Number(r?.n ?? 0);
}

/**
 * Applies pending migrations while holding a session-level advisory lock. `query` must run on
 * the same connection as `db` (one pooled client, or PGlite's single connection).
 */
export async function runMigrations(db: Db, query: Query): Promise<{ applied: number }> {
  await query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    const before = await appliedCount(query);
    // drizzle's migrator only issues SQL through the session, so the node-postgres one
    // serves PGlite as well: one code path for both databases.
    await drizzleMigrate(db as never, { migrationsFolder: MIGRATIONS_DIR });
    const after = await appliedCount(query);
    return { applied: after - before };
  } finally {
    await query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  }
}
