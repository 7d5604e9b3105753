import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check, run, waitFor } from '../lib/process.js';

describe('run', () => {
  // A command that exits without reading its stdin makes the write fail with EPIPE; that once
  // crashed whole suites at random ("no network namespace of a pod remains": `ip netns list`).
  test('a command that exits without reading a large input is a result, not a crash', async () => {
    const big = 'x'.repeat(8 << 20);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await run('true', [], { input: big }), { code: 0, stdout: '', stderr: '' });
      assert.equal((await run('sh', ['-c', 'exit 3'], { input: big })).code, 3);
    }
  });

  test('a command that exits before reading a small input', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => run('sh', ['-c', 'exit 0'], { input: 'x\n' })));
    assert.deepEqual(new Set(results.map((r) => r.code)), new Set([0]));
  });

  test('input reaches the command; without input it reads end of file', async () => {
    assert.equal((await run('cat', [], { input: 'hello' })).stdout, 'hello');
    const noInput = await run('cat', [], { timeoutMs: 5_000 });
    assert.deepEqual(noInput, { code: 0, stdout: '', stderr: '' });
  });

  test('a command over its time is killed and says so', async () => {
    const r = await run('sleep', ['30'], { timeoutMs: 200 });
    assert.equal(r.code, 128);
    assert.match(r.stderr, /sleep was killed after 0.2s/);
  });

  test('a command that cannot start rejects, naming it', async () => {
    await assert.rejects(run('/nonexistent/tool', []), /cannot run \/nonexistent\/tool/);
  });
});

describe('check', () => {
  test('throws with the command, its exit code and its output', async () => {
    await assert.rejects(check('sh', ['-c', 'echo broken >&2; exit 4']), /sh -c .* exited 4:\nbroken/);
    assert.equal(await check('echo', ['ok']), 'ok\n');
  });
});

describe('waitFor', () => {
  test('returns the first value that is not undefined or false', async () => {
    let n = 0;
    assert.equal(await waitFor('n to reach 3', async () => (++n >= 3 ? n : false), 5_000, 1), 3);
  });

  test('times out naming what it waited for and the last error', async () => {
    await assert.rejects(
      waitFor(
        'the impossible',
        async () => {
          throw new Error('still not there');
        },
        50,
        10,
      ),
      /timed out after 0.05s waiting for the impossible; last: still not there/,
    );
  });
});
