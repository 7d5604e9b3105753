// Lint, CIS checks, npm audit and SBOMs of the images (scripts/images/scan.sh), and the secret
// scan. Last of the image tests, so it also prints the figures of the whole run.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { FIGURES, requireImages, run } from './lib.ts';

const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';

before(requireImages);

after(() => {
  if (existsSync(FIGURES)) console.log(`\n${readFileSync(FIGURES, 'utf8')}`);
});

describe('lint, CIS checks, npm audit, SBOMs, secrets', () => {
  test('scripts/images/scan.sh: hadolint and trivy config clean, npm audit clean or NOT CHECKED, SBOMs in artifacts/images/', async (t) => {
    const r = await run('bash', ['scripts/images/scan.sh'], { timeoutMs: 60 * 60_000 });
    assert.equal(
      r.code,
      0,
      `scripts/images/scan.sh reported findings:\n${r.stdout.split('\n').slice(-60).join('\n')}\n${r.stderr.split('\n').slice(-60).join('\n')}`,
    );
    if (r.stderr.includes('npm audit: NOT CHECKED')) {
      // A check this machine cannot perform is neither a pass nor a failure: it is said plainly.
      const why = 'npm audit of the shipped dependencies: no vulnerability database is reachable from this machine';
      t.diagnostic(`NOT CHECKED - ${why}`);
      console.log(`NOT CHECKED - ${why}`);
    } else {
      t.diagnostic('npm audit clean');
    }
  });

  test('secret scan self-test (history, masking, work tree)', async (t) => {
    const r = await run('bash', ['tests/images/secret-scan.test.sh'], { timeoutMs: 600_000 });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    t.diagnostic(lastLine(r.stdout));
  });

  test("the repository's secret scan has no findings", async (t) => {
    const r = await run('bash', ['scripts/secret-scan.sh'], { timeoutMs: 600_000 });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    t.diagnostic(lastLine(r.stdout));
  });
});
