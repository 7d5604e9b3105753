// The chart lints and renders under both supported Helm majors, and every rendered object —
// and every object of the plain manifests — validates against the Kubernetes v1.34 (and
// Gateway API) schemas in strict mode, offline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHART_DIR, HELMS, TEST_SECRET_SETS, helm, kubeconform, kustomizeYaml, renderYaml, tools, type RenderOptions } from './lib/k8s.ts';

/** Value sets covering every optional template, so none of them is first rendered in a cluster. */
const VALUE_SETS: { name: string; opts: RenderOptions; expectKinds: string[] }[] = [
  { name: 'values.yaml + secrets', opts: { setString: TEST_SECRET_SETS }, expectKinds: ['Secret', 'Ingress', 'Pod'] },
  { name: 'values-dev.yaml', opts: { valuesFiles: ['values-dev.yaml'] }, expectKinds: ['Ingress', 'Pod'] },
  {
    name: 'everything optional on (HPA, NetworkPolicy, HTTPRoute, TLS host)',
    opts: {
      setString: TEST_SECRET_SETS,
      set: [
        'backend.autoscaling.enabled=true',
        'frontend.autoscaling.enabled=true',
        'networkPolicy.enabled=true',
        'networkPolicy.database.cidrs={10.0.0.0/8}',
        'httpRoute.enabled=true',
        'httpRoute.parentRefs[0].name=traefik-gateway',
        'httpRoute.parentRefs[0].namespace=traefik',
        'httpRoute.parentRefs[0].sectionName=web',
        'httpRoute.hostnames={todo.example.test}',
        'ingress.host=todo.example.test',
        'ingress.className=traefik',
        'ingress.tls[0].secretName=todo-tls',
        'ingress.tls[0].hosts={todo.example.test}',
        'imagePullSecrets[0].name=registry',
      ],
    },
    expectKinds: ['HorizontalPodAutoscaler', 'NetworkPolicy', 'HTTPRoute', 'Ingress'],
  },
  {
    name: 'single replica, no ingress, no tests, existing secret',
    opts: {
      set: [
        'backend.replicaCount=1',
        'frontend.replicaCount=1',
        'ingress.enabled=false',
        'tests.enabled=false',
        'serviceAccount.create=false',
      ],
      setString: ['secrets.existingSecret=mine'],
    },
    expectKinds: ['Deployment', 'Service'],
  },
];

const kindsOf = (yaml: string) => new Set([...yaml.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]));

for (const h of HELMS()) {
  describe(`${h.name}`, () => {
    it('prints the pinned version', () => {
      const r = helm(h.bin, ['version', '--short']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, h.name === 'helm3' ? /^v3\.\d+\.\d+/ : /^v4\.\d+\.\d+/);
    });

    for (const [file, extra] of [
      ['values.yaml', ['--set-string', TEST_SECRET_SETS.join(',')]],
      ['values-dev.yaml', []],
    ] as const) {
      it(`helm lint --strict with ${file}`, () => {
        const r = helm(h.bin, [
          'lint',
          '--strict',
          '--kube-version',
          tools().KUBERNETES_VERSION,
          CHART_DIR,
          '-f',
          `${CHART_DIR}/${file}`,
          ...extra,
        ]);
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      });
    }

    for (const vs of VALUE_SETS) {
      it(`helm template (${vs.name}) passes kubeconform -strict`, () => {
        const yaml = renderYaml({ ...vs.opts, helmBin: h.bin });
        const kinds = kindsOf(yaml);
        for (const k of vs.expectKinds) assert.ok(kinds.has(k), `renders a ${k} (got ${[...kinds].join(', ')})`);
        const r = kubeconform(yaml);
        assert.ok(r.ok, r.output);
        assert.match(r.output, /Invalid: 0, Errors: 0, Skipped: 0/);
      });
    }
  });
}

describe('plain manifests', () => {
  it('kustomize build infra/k8s passes kubeconform -strict', () => {
    const yaml = kustomizeYaml();
    const r = kubeconform(yaml);
    assert.ok(r.ok, r.output);
    assert.match(r.output, /Invalid: 0, Errors: 0, Skipped: 0/);
    assert.deepEqual([...kindsOf(yaml)].sort(), ['ConfigMap', 'Deployment', 'Ingress', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
  });
});

describe('kubeconform itself', () => {
  // Guards against a validator that passes everything (a schema set generated empty or lax).
  it('rejects an unknown field, a wrong type and a kind it has no schema for', () => {
    const yaml = renderYaml({ valuesFiles: ['values-dev.yaml'] });
    const unknownField = yaml.replace(
      /^(\s+)imagePullPolicy: IfNotPresent$/m,
      '$1imagePullPolicy: IfNotPresent\n$1imagePullPolicyy: Always',
    );
    assert.notEqual(unknownField, yaml);
    assert.match(kubeconform(unknownField).output, /additional properties 'imagePullPolicyy' not allowed/);
    const wrongType = yaml.replace(/^(\s+)replicas: 2$/m, '$1replicas: "2"');
    assert.notEqual(wrongType, yaml);
    assert.match(kubeconform(wrongType).output, /replicas.*(want integer|expected integer)/s);
    const unknownKind = 'apiVersion: example.test/v1\nkind: Widget\nmetadata: {name: w}\n';
    const r = kubeconform(unknownKind);
    assert.equal(r.ok, false, r.output);
    assert.match(r.output, /could not find schema for Widget/);
  });
});
