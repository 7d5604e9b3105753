// The plain manifests are generated from the chart (values-dev.yaml) and must not go stale;
// the Secret the docs tell users to create is the one both of them read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SECRET_ENV_NAMES } from '@todo/contract';
import { stale } from '../../scripts/tools/render-plain-manifests.ts';
import { CHART_DIR, PLAIN_DIR, component, plain, podSpecOf, render, type Obj } from './lib/k8s.ts';

/** Name and keys of the `kubectl create secret generic` command documented for users. */
function documentedSecret(): { name: string; keys: string[] } {
  const readme = readFileSync(join(PLAIN_DIR, 'secrets/README.md'), 'utf8');
  const block = /<!-- create-secret-command[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'infra/k8s/secrets/README.md has the marked create-secret command block');
  const cmd = block[1]!.replace(/\\\n/g, ' ');
  const name = /kubectl create secret generic ([a-z0-9.-]+)/.exec(cmd)?.[1];
  assert.ok(name, 'the command names the Secret');
  const keys = [...cmd.matchAll(/--from-literal=([A-Z0-9_]+)=/g)].map((m) => m[1]!);
  return { name, keys };
}

const secretRefs = (objs: Obj[]) => {
  const env = podSpecOf(component(objs as never, 'Deployment', 'backend')).containers[0].env as Obj[];
  return env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => ({ env: e.name, ...e.valueFrom.secretKeyRef }));
};

describe('plain manifests and chart do not drift', () => {
  it('infra/k8s is exactly what the chart renders with values-dev.yaml (regenerate: npx tsx scripts/tools/render-plain-manifests.ts)', () => {
    assert.deepEqual(stale(), []);
  });

  it('every generated file says it is generated', () => {
    const kustomization = readFileSync(join(PLAIN_DIR, 'kustomization.yaml'), 'utf8');
    for (const f of [...(parse(kustomization).resources as string[]), 'kustomization.yaml']) {
      assert.match(readFileSync(join(PLAIN_DIR, f), 'utf8'), /^# GENERATED from infra\/helm\/todo-app-chart/, f);
    }
  });
});

describe('one Secret name for docs, plain manifests and chart', () => {
  it('the documented kubectl command creates the Secret and keys the plain manifests read', () => {
    const doc = documentedSecret();
    assert.deepEqual(doc.keys.sort(), [...SECRET_ENV_NAMES].sort());
    const refs = secretRefs(plain());
    assert.deepEqual(
      refs.map((r) => r.name),
      SECRET_ENV_NAMES.map(() => doc.name),
    );
    for (const r of refs) assert.equal(r.key, r.env, 'key names equal the variable names the command uses');
  });

  it('values-dev.yaml points the chart at that same Secret', () => {
    const doc = documentedSecret();
    const dev = parse(readFileSync(join(CHART_DIR, 'values-dev.yaml'), 'utf8'));
    assert.equal(dev.secrets.existingSecret, doc.name);
    const refs = secretRefs(render({ valuesFiles: ['values-dev.yaml'] }));
    assert.deepEqual(new Set(refs.map((r) => r.name)), new Set([doc.name]));
  });

  it('no values file of the chart holds a secret value', () => {
    for (const f of ['values.yaml', 'values-dev.yaml']) {
      const v = parse(readFileSync(join(CHART_DIR, f), 'utf8'));
      for (const k of ['databaseUrl', 'authSecret', 'openaiApiKey']) {
        assert.ok(!v.secrets?.[k], `${f}: secrets.${k} must stay empty (pass it with --set-string or use existingSecret)`);
      }
    }
  });

  it('the example Secret has that name, those keys, and only empty values', () => {
    const doc = documentedSecret();
    const ex = parse(readFileSync(join(PLAIN_DIR, 'secrets/secret.example.yaml'), 'utf8'));
    assert.equal(ex.metadata.name, doc.name);
    assert.equal(ex.data, undefined);
    assert.deepEqual(Object.keys(ex.stringData).sort(), [...SECRET_ENV_NAMES].sort());
    for (const [k, v] of Object.entries(ex.stringData)) assert.equal(v, '', `${k} must stay empty in the repository`);
    const kustomization = parse(readFileSync(join(PLAIN_DIR, 'kustomization.yaml'), 'utf8'));
    assert.ok(!(kustomization.resources as string[]).some((r) => r.startsWith('secrets')), 'the example is never applied');
  });
});
