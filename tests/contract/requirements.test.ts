// docs/requirements.md maps each seed task and requirement to the tests that prove it; this
// keeps that table from rotting as tests are renamed, moved or deleted.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TABLE = join(ROOT, 'docs/requirements.md');

const range = (prefix: string, from: number, to: number, width = 3) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${String(from + i).padStart(width, '0')}`);
// The seed's tasks and the requirements the design carries over (FR-018 is not among them).
const EXPECTED = [...range('FR-', 1, 17), 'FR-019', 'FR-020', 'SC-003', 'SC-007', ...range('T', 1, 47)];

type Row = { id: string; proof: string };

function rows(markdown: string): Row[] {
  const found: Row[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | id | what | proven by |  →  ['', id, what, proof, '']
    if (cells.length >= 5 && /^(T\d{3}|FR-\d{3}|SC-\d{3})$/.test(cells[1]!)) found.push({ id: cells[1]!, proof: cells[3]! });
  }
  return found;
}

/** Every problem of the table, one line each; empty when it is sound. */
function problems(markdown: string, root = ROOT): string[] {
  const out: string[] = [];
  const all = rows(markdown);
  const ids = all.map((r) => r.id);
  for (const id of EXPECTED) if (!ids.includes(id)) out.push(`${id}: no row`);
  for (const id of ids) {
    if (!EXPECTED.includes(id)) out.push(`${id}: not a seed task or carried-over requirement`);
    if (ids.indexOf(id) !== ids.lastIndexOf(id)) out.push(`${id}: more than one row`);
  }
  for (const { id, proof } of all) {
    const refs = [...proof.matchAll(/`([^`]+)`((?:\s*"[^"]+")*)/g)];
    if (refs.length === 0) out.push(`${id}: names no test file`);
    for (const [, file, quoted] of refs) {
      const path = join(root, file!);
      if (!existsSync(path)) {
        out.push(`${id}: ${file} does not exist`);
        continue;
      }
      const names = [...quoted!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      if (names.length === 0) out.push(`${id}: ${file} is named without a test in it`);
      const text = readFileSync(path, 'utf8');
      for (const name of names) if (!text.includes(name)) out.push(`${id}: ${file} has no test "${name}"`);
    }
  }
  return [...new Set(out)];
}

describe('docs/requirements.md (traceability)', () => {
  const markdown = readFileSync(TABLE, 'utf8');

  it('has one row per seed task and requirement, each naming tests that exist', () => {
    assert.deepEqual(problems(markdown), []);
  });

  it('notices a missing row, a moved file and a renamed test (the check can fail)', () => {
    const broken = markdown
      .replace(/^\| T047 .*$/m, '')
      .replace('`tests/k8s/guide.test.ts` "every step', '`tests/k8s/gone.test.ts` "every step')
      .replace('"runs 2 replicas of each workload"', '"runs 3 replicas of each workload"');
    const found = problems(broken);
    assert.ok(found.includes('T047: no row'), found.join('\n'));
    assert.ok(found.includes('T043: tests/k8s/gone.test.ts does not exist'), found.join('\n'));
    assert.ok(
      found.some((p) => p.endsWith('has no test "runs 3 replicas of each workload"')),
      found.join('\n'),
    );
  });
});
