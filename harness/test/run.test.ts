import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/process.js';

const RUNNER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'run.ts');
const runner = (...args: string[]) => run(process.execPath, ['--import', 'tsx', RUNNER, ...args], { timeoutMs: 120_000 });

describe('the test runner', () => {
  test('an unknown suite is refused, naming the known ones', async () => {
    const r = await runner('test', 'nosuch');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown suite nosuch \(known: secrets types lint harness backend/);
  });

  test('without a group it lists every suite of both commands', async () => {
    const r = await runner();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /npm test \[suite…\]/);
    assert.match(r.stderr, /npm run test:e2e \[suite…\]/);
    assert.match(r.stderr, /\n {2}images /);
  });

  test('a subset run says it was a subset and prints its durations', async () => {
    const r = await runner('test', 'lint');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /npm test, seconds per suite:\n\s+\d+ {2}lint\n\s+\d+ {2}total/);
    assert.match(r.stdout, /passed the suites asked for \(lint\); the others did not run/);
    assert.doesNotMatch(r.stdout, /npm test: passed \(/);
  });
});
