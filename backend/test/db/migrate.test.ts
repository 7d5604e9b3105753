import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';
import pg from 'pg';
import { migrationCount } from '../../src/db/migrate.js';
import { BACKEND_DIR, forEachBackend } from '../helper.js';

const run = promisify(execFile);
const ENTRY = path.join(BACKEND_DIR, 'dist', 'migrate.js');

forEachBackend('dist/migrate.js (the migrate command)', (backend) => {
  it(
    'applies the migrations once, is a no-op the second time, and needs no AUTH_SECRET in production',
    { skip: existsSync(ENTRY) ? false : 'build first' },
    async () => {
      const db = await backend.freshDatabase();
      try {
        const env = { PATH: process.env.PATH, NODE_ENV: 'production', ...db.env };
        const first = await run(process.execPath, [ENTRY], { env });
        const second = await run(process.execPath, [ENTRY], { env });
        const log = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { applied: number; msg: string };
        // A fresh PostgreSQL database is empty; the PGlite copy comes from a migrated template.
        if (backend.name === 'postgres') assert.equal(log(first.stdout).applied, migrationCount());
        assert.equal(log(second.stdout).applied, 0);
        assert.equal(log(second.stdout).msg, 'database already up to date');
        if (db.url) {
          const c = new pg.Client({ connectionString: db.url });
          await c.connect();
          try {
            const { rows } = await c.query(
              "select to_regclass('public.todos') is not null as todos, (select count(*)::int from drizzle.__drizzle_migrations) as n",
            );
            assert.equal(rows[0].todos, true);
            assert.equal(rows[0].n, migrationCount());
          } finally {
            await c.end();
          }
        }
      } finally {
        await db.dispose();
      }
    },
  );

  it(
    'exits non-zero naming DATABASE_URL when it is not a PostgreSQL URL',
    { skip: existsSync(ENTRY) ? false : 'build first' },
    async () => {
      await assert.rejects(
        run(process.execPath, [ENTRY], { env: { PATH: process.env.PATH, DATABASE_URL: 'mysql://db/x' } }),
        (err: { code: number; stdout: string }) => err.code === 1 && /DATABASE_URL/.test(err.stdout),
      );
    },
  );
});
