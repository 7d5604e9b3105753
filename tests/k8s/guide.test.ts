// docs/deployment.md without a cluster: the steps scripts/e2e/deploy.sh runs are all there,
// and what they name agrees with the project's sources (package version, contract, chart).
// The run itself executes them on a real cluster; this catches a stale guide in `npm test`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { IMAGE_BACKEND, IMAGE_FRONTEND, SECRET_ENV_NAMES } from '@todo/contract';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const guide = readFileSync(join(ROOT, 'docs/deployment.md'), 'utf8');
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const devValues = parse(readFileSync(join(ROOT, 'infra/helm/todo-app-chart/values-dev.yaml'), 'utf8'));
const chart = parse(readFileSync(join(ROOT, 'infra/helm/todo-app-chart/Chart.yaml'), 'utf8'));

/** The same extraction as e2e::doc_step in scripts/e2e/lib.sh: the ```sh block after the marker. */
function step(name: string): string {
  const m = new RegExp(`^<!-- e2e-step: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\`$`, 'm').exec(guide);
  assert.ok(m?.[1], `docs/deployment.md has no \`\`\`sh block right after <!-- e2e-step: ${name} -->`);
  return m[1];
}

describe('docs/deployment.md (the guide the e2e run executes)', () => {
  test('every step deploy.sh runs is marked, and only those', () => {
    const steps = ['cluster', 'build', 'load', 'secret', 'install', 'check', 'uninstall'];
    for (const s of steps) step(s);
    const marked = [...guide.matchAll(/^<!-- e2e-step: (\S+) -->$/gm)].map((m) => m[1]);
    assert.deepEqual([...marked].sort(), [...steps].sort());
  });

  test('the images loaded are the ones built, at the version the chart deploys', () => {
    const load = step('load');
    assert.equal(chart.appVersion, version, 'Chart.yaml appVersion is the package version');
    for (const image of [IMAGE_BACKEND, IMAGE_FRONTEND])
      assert.ok(load.includes(`${image}:${version}`), `load step loads ${image}:${version}`);
  });

  test("the Secret it creates is the one values-dev.yaml names, with the contract's keys", () => {
    const secret = step('secret');
    assert.ok(secret.includes(`create secret generic ${devValues.secrets.existingSecret} `));
    for (const key of SECRET_ENV_NAMES) assert.match(secret, new RegExp(`--from-literal=${key}=`), key);
  });

  test('the install uses values-dev.yaml and waits for the Deployments the chart names', () => {
    const install = step('install');
    assert.match(install, /helm install todo-app infra\/helm\/todo-app-chart/);
    assert.match(install, /-f infra\/helm\/todo-app-chart\/values-dev\.yaml/);
    for (const d of ['backend', 'frontend']) assert.ok(install.includes(`deployment/${devValues.fullnameOverride}-${d}`));
  });
});
