// What the chart's switches do: secrets from values or an existing Secret, rolling pods on
// config changes, PDB/HPA/NetworkPolicy/HTTPRoute and the `helm test` pods.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_PREFIX,
  BACKEND_PORT,
  FRONTEND_PORT,
  HEALTH_PATH,
  IMAGE_BACKEND,
  IMAGE_FRONTEND,
  LIVENESS_PATH,
  READINESS_PATH,
  SECRET_ENV,
} from '@todo/contract';
import { TEST_SECRETS, TEST_SECRET_SETS, component, hooks, ofKind, podSpecOf, render, type K8sObject, type Obj } from './lib/k8s.ts';

const checksum = (objs: K8sObject[], c: 'backend' | 'frontend', which: string) =>
  component(objs, 'Deployment', c).spec!.template.metadata.annotations?.[`checksum/${which}`];

describe('secrets', () => {
  it('are created from values as stringData under the configured keys', () => {
    const objs = render({ setString: TEST_SECRET_SETS });
    const secrets = ofKind(objs, 'Secret');
    assert.equal(secrets.length, 1);
    assert.deepEqual(secrets[0]!.stringData, {
      [SECRET_ENV.databaseUrl]: TEST_SECRETS.databaseUrl,
      [SECRET_ENV.authSecret]: TEST_SECRETS.authSecret,
      [SECRET_ENV.openaiApiKey]: TEST_SECRETS.openaiApiKey,
    });
  });

  it('leave the OpenAI key out when it is empty (the assistant is off, the pod still starts)', () => {
    const objs = render({ setString: TEST_SECRET_SETS.filter((s) => !s.startsWith('secrets.openaiApiKey')) });
    assert.deepEqual(Object.keys(ofKind(objs, 'Secret')[0]!.stringData!).sort(), [SECRET_ENV.authSecret, SECRET_ENV.databaseUrl].sort());
  });

  it('come from existingSecret with custom key names, and the chart then creates none', () => {
    const objs = render({
      setString: [
        'secrets.existingSecret=team-db',
        'secrets.keys.databaseUrl=url',
        'secrets.keys.authSecret=auth',
        'secrets.keys.openaiApiKey=openai',
      ],
    });
    assert.equal(ofKind(objs, 'Secret').length, 0);
    const env = podSpecOf(component(objs, 'Deployment', 'backend')).containers[0].env as Obj[];
    const refs = Object.fromEntries(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]));
    assert.deepEqual(refs, {
      [SECRET_ENV.databaseUrl]: { name: 'team-db', key: 'url' },
      [SECRET_ENV.authSecret]: { name: 'team-db', key: 'auth' },
      [SECRET_ENV.openaiApiKey]: { name: 'team-db', key: 'openai', optional: true },
    });
  });
});

describe('checksum annotations roll the pods when what they read changes', () => {
  const base = render({ setString: TEST_SECRET_SETS });
  it("a ConfigMap change changes both workloads' config checksum", () => {
    const changed = render({ setString: [...TEST_SECRET_SETS, 'environmentName=staging'] });
    for (const c of ['backend', 'frontend'] as const) {
      assert.match(checksum(base, c, 'config') ?? '', /^[0-9a-f]{64}$/);
      assert.notEqual(checksum(changed, c, 'config'), checksum(base, c, 'config'), c);
    }
  });
  it("a Secret change changes the backend's secret checksum", () => {
    const changed = render({ setString: [...TEST_SECRET_SETS, 'secrets.authSecret=another-contract-test-secret-0123456789'] });
    assert.match(checksum(base, 'backend', 'secret') ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(checksum(changed, 'backend', 'secret'), checksum(base, 'backend', 'secret'));
    assert.equal(checksum(changed, 'backend', 'config'), checksum(base, 'backend', 'config'));
  });
});

describe('replicas, PDB and HPA', () => {
  it('no PDB with one replica (it would block drains or protect nothing)', () => {
    const objs = render({ setString: TEST_SECRET_SETS, set: ['backend.replicaCount=1'] });
    const pdbs = ofKind(objs, 'PodDisruptionBudget').map((p) => p.metadata.labels!['app.kubernetes.io/component']);
    assert.deepEqual(pdbs, ['frontend']);
  });

  it('with autoscaling the HPA owns the replica count and the PDB follows its floor', () => {
    const objs = render({
      setString: TEST_SECRET_SETS,
      set: ['backend.autoscaling.enabled=true', 'backend.autoscaling.minReplicas=3', 'backend.replicaCount=1'],
    });
    const d = component(objs, 'Deployment', 'backend');
    assert.equal(d.spec!.replicas, undefined, 'a fixed replicas field would fight the HPA on every upgrade');
    const hpa = component(objs, 'HorizontalPodAutoscaler', 'backend');
    assert.deepEqual(hpa.spec!.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
    assert.equal(hpa.spec!.minReplicas, 3);
    assert.equal(component(objs, 'PodDisruptionBudget', 'backend').spec!.maxUnavailable, 1);
    assert.equal(ofKind(objs, 'HorizontalPodAutoscaler').length, 1, 'the frontend keeps its fixed replicas');
  });
});

describe('routing options', () => {
  it('ingress className and host are values; an empty host matches any address', () => {
    const dflt = ofKind(render({ setString: TEST_SECRET_SETS }), 'Ingress')[0]!;
    assert.equal(dflt.spec!.ingressClassName, undefined, 'the cluster default class');
    assert.equal(dflt.spec!.rules[0].host, undefined);
    const traefik = ofKind(
      render({ setString: [...TEST_SECRET_SETS, 'ingress.className=traefik', 'ingress.host=todo.example.test'] }),
      'Ingress',
    )[0]!;
    assert.equal(traefik.spec!.ingressClassName, 'traefik');
    assert.equal(traefik.spec!.rules[0].host, 'todo.example.test');
  });

  it('the trusted browser origin follows the ingress host unless set', () => {
    const cm = (objs: K8sObject[]) => component(objs, 'ConfigMap', 'backend').data!.AUTH_TRUSTED_ORIGINS;
    assert.equal(cm(render({ setString: [...TEST_SECRET_SETS, 'ingress.host=todo.example.test'] })), 'http://todo.example.test');
    assert.equal(
      cm(render({ setString: [...TEST_SECRET_SETS, 'ingress.host=todo.example.test', 'ingress.tls[0].secretName=t'] })),
      'https://todo.example.test',
    );
    assert.equal(
      cm(render({ setString: [...TEST_SECRET_SETS, 'backend.authTrustedOrigins=http://10.0.0.1:8000\\,http://localhost:8000'] })),
      'http://10.0.0.1:8000,http://localhost:8000',
    );
  });

  it('the HTTPRoute mirrors the Ingress on the given Gateway', () => {
    const objs = render({
      setString: TEST_SECRET_SETS,
      set: [
        'httpRoute.enabled=true',
        'httpRoute.parentRefs[0].name=traefik-gateway',
        'httpRoute.parentRefs[0].namespace=traefik',
        'ingress.enabled=false',
      ],
    });
    assert.equal(ofKind(objs, 'Ingress').length, 0);
    const route = ofKind(objs, 'HTTPRoute')[0]!;
    assert.deepEqual(route.spec!.parentRefs, [{ name: 'traefik-gateway', namespace: 'traefik' }]);
    const rules = (route.spec!.rules as Obj[]).map((r) => ({ path: r.matches[0].path, to: r.backendRefs[0] }));
    assert.deepEqual(rules, [
      { path: { type: 'PathPrefix', value: API_PREFIX }, to: { name: component(objs, 'Service', 'backend').metadata.name, port: 80 } },
      { path: { type: 'PathPrefix', value: '/' }, to: { name: component(objs, 'Service', 'frontend').metadata.name, port: 80 } },
    ]);
    assert.equal(route.spec!.filters, undefined, 'no URL rewrite');
  });
});

describe('NetworkPolicy', () => {
  const objs = render({ setString: TEST_SECRET_SETS, set: ['networkPolicy.enabled=true', 'networkPolicy.database.cidrs={10.1.0.0/16}'] });
  const pol = (c: 'backend' | 'frontend') => component(objs, 'NetworkPolicy', c).spec!;
  const podLabels = (c: 'backend' | 'frontend') => component(objs, 'Deployment', c).spec!.template.metadata.labels;

  it('the backend accepts the frontend and the ingress controller only, on its port', () => {
    const from = pol('backend').ingress[0].from as Obj[];
    assert.ok(from.some((f) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'frontend'));
    assert.ok(from.some((f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx'));
    assert.deepEqual(pol('backend').ingress[0].ports, [{ port: 'http', protocol: 'TCP' }]);
    assert.ok(Object.entries(pol('backend').podSelector.matchLabels).every(([k, v]) => podLabels('backend')[k] === v));
  });

  it('egress: DNS everywhere, the database and OpenAI from the backend, the backend from the frontend', () => {
    const ports = (c: 'backend' | 'frontend') => (pol(c).egress as Obj[]).flatMap((e) => (e.ports as Obj[]).map((p) => p.port));
    assert.deepEqual(ports('backend').sort(), [443, 5432, 53, 53].sort());
    assert.deepEqual(ports('frontend').sort(), [53, 53, BACKEND_PORT].sort());
    const db = (pol('backend').egress as Obj[]).find((e) => e.ports[0].port === 5432)!;
    assert.deepEqual(db.to, [{ ipBlock: { cidr: '10.1.0.0/16' } }]);
    assert.deepEqual(pol('frontend').ingress[0].ports, [{ port: 'http', protocol: 'TCP' }]);
    void FRONTEND_PORT;
  });

  it('a database in the cluster is allowed by pod and namespace selector, on its port', () => {
    const inCluster = render({
      setString: TEST_SECRET_SETS,
      set: [
        'networkPolicy.enabled=true',
        'networkPolicy.database.podSelector.matchLabels.app\\.kubernetes\\.io/name=postgresql',
        'networkPolicy.database.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=databases',
        'networkPolicy.database.port=6432',
      ],
    });
    const egress = component(inCluster, 'NetworkPolicy', 'backend').spec!.egress as Obj[];
    const db = egress.filter((e) => e.ports[0].port === 6432);
    assert.deepEqual(db, [
      {
        to: [
          {
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgresql' } },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } },
          },
        ],
        ports: [{ port: 6432, protocol: 'TCP' }],
      },
    ]);
    // No CIDR was given for the database: the only ipBlock left is the OpenAI API's.
    const byCidr = egress.filter((e) => (e.to as Obj[] | undefined)?.some((t) => t.ipBlock));
    assert.deepEqual(
      byCidr.map((e) => e.ports[0].port),
      [443],
    );
  });
});

describe('hooks', () => {
  it("the only hooks are `helm test` pods (a pre-install hook could not read the chart's own Secret yet)", () => {
    const objs = render({ setString: TEST_SECRET_SETS });
    const kinds = objs
      .filter((o) => o.metadata.annotations?.['helm.sh/hook'])
      .map((o) => `${o.kind}:${o.metadata.annotations!['helm.sh/hook']}`);
    assert.deepEqual(kinds, ['Pod:test', 'Pod:test']);
  });
});

describe('helm test pods', () => {
  const objs = render({ setString: TEST_SECRET_SETS });
  const tests = hooks(objs);

  it('use only the two app images, never pulled, under the same security settings', () => {
    assert.equal(tests.length, 2);
    const images = tests.map((t) => podSpecOf(t).containers[0].image.split(':')[0]).sort();
    assert.deepEqual(images, [IMAGE_BACKEND, IMAGE_FRONTEND].sort());
    for (const t of tests) {
      const spec = podSpecOf(t);
      const c = spec.containers[0];
      assert.equal(c.imagePullPolicy, 'IfNotPresent');
      assert.equal(spec.restartPolicy, 'Never');
      assert.equal(spec.automountServiceAccountToken, false);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(c.command.slice(0, 1), ['node']);
    }
  });

  it('check the health contract through the backend Service, and pages and /api through the frontend Service', () => {
    const checks = (t: K8sObject) =>
      (podSpecOf(t).containers[0].env as Obj[]).filter((e) => e.name.startsWith('CHECK_')).map((e) => e.value);
    const backendSvc = component(objs, 'Service', 'backend').metadata.name;
    const frontendSvc = component(objs, 'Service', 'frontend').metadata.name;
    const backendTest = tests.find((t) => podSpecOf(t).containers[0].image.startsWith(`${IMAGE_BACKEND}:`))!;
    const frontendTest = tests.find((t) => podSpecOf(t).containers[0].image.startsWith(`${IMAGE_FRONTEND}:`))!;
    assert.deepEqual(checks(backendTest), [
      `http://${backendSvc}:80${HEALTH_PATH} 200 health`,
      `http://${backendSvc}:80${LIVENESS_PATH} 200 health`,
      `http://${backendSvc}:80${READINESS_PATH} 200 health`,
    ]);
    assert.deepEqual(checks(frontendTest), [`http://${frontendSvc}:80/ 200 html`, `http://${frontendSvc}:80${HEALTH_PATH} 200 health`]);
    const script = podSpecOf(backendTest).containers[0].args[0] as string;
    assert.match(script, /body\.status === 'healthy' && typeof body\.timestamp === 'string'/, 'asserts the HealthOk shape');
  });
});
