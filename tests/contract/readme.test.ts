// The chart's README values table is generated from values.yaml and every value is documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CHART_DIR, problems, readParams, renderReadme } from '../../scripts/tools/chart-readme.ts';

const values = () => readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');

describe('chart README values table', () => {
  it('documents every key of values.yaml and names no key that does not exist', () => {
    assert.deepEqual(problems(values()), []);
  });

  it('notices an undocumented key and a param naming nothing (the check can fail)', () => {
    const broken = `${values()}\nundocumented: 1\n## @param ghost.key Nothing\n`;
    assert.deepEqual(problems(broken), [
      '@param ghost.key names no key of values.yaml',
      'values.yaml key undocumented has no ## @param comment (on itself or a parent)',
    ]);
  });

  it('is up to date (regenerate: npx tsx scripts/tools/chart-readme.ts)', () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    assert.equal(renderReadme(readme, values()), readme);
    for (const p of readParams(values())) assert.ok(readme.includes(`| \`${p.path}\` |`), p.path);
  });
});
