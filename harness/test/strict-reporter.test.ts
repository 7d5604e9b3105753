import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/process.js';

const HARNESS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORTER = path.join(HARNESS, 'lib', 'strict-reporter.ts');
const FIXTURE = path.join(HARNESS, 'test', 'fixtures', 'skips.fixture.ts');

function nodeTest(file: string, allowed?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_ALLOWED_SKIPS: allowed ?? '' };
  // The child must not inherit this runner's own test context.
  delete env.NODE_TEST_CONTEXT;
  return run(process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${REPORTER}`, file], { env, timeoutMs: 60_000 });
}

describe('strict test reporter', () => {
  // Plain `node --test` exits 0 on the same file: that is what this reporter exists to change.
  test('control: the default reporter counts a skip as a pass', async () => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', FIXTURE], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('fails a run with a skip or a todo nobody asked for, naming each and why', async () => {
    const r = await nodeTest(FIXTURE);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✔ checks something/);
    assert.match(r.stdout, /2 test\(s\) skipped without being asked for/);
    assert.match(r.stdout, /needs a database \(.*skips\.fixture\.ts\): TEST_DATABASE_URL is not set/);
    assert.match(r.stdout, /not written yet .*: todo/);
  });

  test('passes when every skip is named in TEST_ALLOWED_SKIPS', async () => {
    const r = await nodeTest(FIXTURE, 'needs a database,\nnot written');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /without being asked for/);
  });

  test('one skip left unnamed still fails', async () => {
    const r = await nodeTest(FIXTURE, 'needs a database');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /1 test\(s\) skipped without being asked for/);
  });
});
