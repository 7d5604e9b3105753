// The deployment contract, checked on the chart (default values with secrets, and
// values-dev.yaml) and on the plain manifests alike: every expected string or number comes
// from @todo/contract, the same constants the backend, the frontend and the images use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_PREFIX,
  BACKEND_CONFIG_ENV,
  BACKEND_PORT,
  BACKEND_WRITABLE_PATHS,
  CONFIG_ENV,
  CONFIG_ENV_NAMES,
  CONTAINER_UID,
  FRONTEND_PORT,
  FRONTEND_WRITABLE_PATHS,
  IMAGE_BACKEND,
  IMAGE_FRONTEND,
  LIVENESS_PATH,
  READINESS_PATH,
  SECRET_ENV,
  SECRET_ENV_NAMES,
} from '@todo/contract';
import { SUBJECTS, TEST_SECRETS, byName, component, installed, ofKind, podSpecOf, type K8sObject, type Obj } from './lib/k8s.ts';

type Component = 'backend' | 'frontend';
const PORTS: Record<Component, number> = { backend: BACKEND_PORT, frontend: FRONTEND_PORT };
const IMAGES: Record<Component, string> = { backend: IMAGE_BACKEND, frontend: IMAGE_FRONTEND };
const WRITABLE: Record<Component, readonly string[]> = {
  backend: BACKEND_WRITABLE_PATHS,
  frontend: FRONTEND_WRITABLE_PATHS,
};

const container = (d: K8sObject): Obj => {
  const cs = podSpecOf(d).containers as Obj[];
  assert.equal(cs.length, 1, `${d.metadata.name}: one container expected`);
  return cs[0]!;
};

/** The container port a Service or probe port (name or number) resolves to. */
function resolvePort(c: Obj, port: string | number): number {
  if (typeof port === 'number') return port;
  const p = (c.ports as Obj[]).find((x) => x.name === port);
  assert.ok(p, `container ${c.name} has no port named ${port}`);
  return p.containerPort;
}

const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The Deployment behind a Service: exactly one must match its selector. */
function deploymentBehind(objs: K8sObject[], svc: K8sObject): K8sObject {
  const ds = ofKind(objs, 'Deployment').filter((d) => selects(svc.spec!.selector, d.spec!.template.metadata.labels));
  assert.equal(ds.length, 1, `Service ${svc.metadata.name} must select exactly one Deployment, selects ${ds.length}`);
  return ds[0]!;
}

/** Follows Service name + port to the Deployment's container port. */
function route(objs: K8sObject[], serviceName: string, servicePort: number) {
  const svc = byName(objs, 'Service', serviceName);
  const port = (svc.spec!.ports as Obj[]).find((p) => p.port === servicePort);
  assert.ok(port, `Service ${serviceName} has no port ${servicePort}`);
  const d = deploymentBehind(objs, svc);
  return {
    component: d.metadata.labels?.['app.kubernetes.io/component'],
    containerPort: resolvePort(container(d), port.targetPort),
  };
}

for (const subject of SUBJECTS) {
  describe(`deployment contract: ${subject.name}`, () => {
    const objs = () => installed(subject.objects());

    it('the Ingress sends /api to the backend and / to the frontend, by prefix, unrewritten', () => {
      const ings = ofKind(objs(), 'Ingress');
      assert.equal(ings.length, 1);
      const ing = ings[0]!;
      const annotations = Object.keys(ing.metadata.annotations ?? {});
      assert.deepEqual(
        annotations.filter((a) => /rewrite|app-root|use-regex/.test(a)),
        [],
        'no rewrite of any kind',
      );
      assert.equal(ing.spec!.rules.length, 1);
      // A host such as chart-example.local would never match http://<minikube-ip>/.
      assert.equal(ing.spec!.rules[0].host, undefined, 'no host: any address of the controller works');
      const paths = ing.spec!.rules[0].http.paths as Obj[];
      const want = new Map<string, { component: Component; port: number }>([
        [API_PREFIX, { component: 'backend', port: BACKEND_PORT }],
        ['/', { component: 'frontend', port: FRONTEND_PORT }],
      ]);
      assert.deepEqual(paths.map((p) => p.path).sort(), [...want.keys()].sort());
      for (const p of paths) {
        assert.equal(p.pathType, 'Prefix', `${p.path} is a Prefix path`);
        const got = route(objs(), p.backend.service.name, p.backend.service.port.number);
        assert.deepEqual(got, { component: want.get(p.path)!.component, containerPort: want.get(p.path)!.port }, `path ${p.path}`);
      }
    });

    it('Services are ClusterIP on port 80, targeting the ports the images listen on', () => {
      const svcs = ofKind(objs(), 'Service');
      assert.equal(svcs.length, 2);
      for (const c of ['backend', 'frontend'] as const) {
        const svc = component(objs(), 'Service', c);
        assert.equal(svc.spec!.type, 'ClusterIP');
        assert.equal(svc.spec!.ports.length, 1);
        assert.equal(svc.spec!.ports[0].port, 80);
        assert.deepEqual(route(objs(), svc.metadata.name, 80), { component: c, containerPort: PORTS[c] });
      }
    });

    it('runs 2 replicas of each workload, with a PodDisruptionBudget that never blocks a drain', () => {
      for (const c of ['backend', 'frontend'] as const) {
        const d = component(objs(), 'Deployment', c);
        assert.equal(d.spec!.replicas, 2, `${c} replicas`);
        const pdbs = ofKind(objs(), 'PodDisruptionBudget').filter((p) =>
          selects(p.spec!.selector.matchLabels, d.spec!.template.metadata.labels),
        );
        assert.equal(pdbs.length, 1, `${c}: one PDB`);
        const pdb = pdbs[0]!.spec!;
        if (pdb.minAvailable !== undefined) assert.ok(pdb.minAvailable < d.spec!.replicas, `${c}: minAvailable below replicas`);
        else assert.ok(pdb.maxUnavailable >= 1 || /^[1-9]/.test(String(pdb.maxUnavailable)), `${c}: maxUnavailable ≥ 1`);
      }
    });

    it('probes hit the health paths the backend serves, on the port it listens on', () => {
      const b = container(component(objs(), 'Deployment', 'backend'));
      assert.equal(b.livenessProbe.httpGet.path, LIVENESS_PATH, 'liveness checks the process only');
      assert.equal(b.readinessProbe.httpGet.path, READINESS_PATH, 'readiness checks the database');
      assert.ok([LIVENESS_PATH, READINESS_PATH].includes(b.startupProbe.httpGet.path), 'startup probe covers migrations');
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        assert.equal(resolvePort(b, b[probe].httpGet.port), BACKEND_PORT, `backend ${probe} port`);
      }
      const s = b.startupProbe;
      assert.ok(s.periodSeconds * s.failureThreshold >= 60, 'first boot (migrations) gets at least a minute');
      const f = container(component(objs(), 'Deployment', 'frontend'));
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        assert.equal(resolvePort(f, f[probe].httpGet.port), FRONTEND_PORT, `frontend ${probe} port`);
        assert.ok(!String(f[probe].httpGet.path).startsWith(API_PREFIX), 'frontend probes must not depend on the backend');
      }
    });

    it('DATABASE_URL, AUTH_SECRET and OPENAI_API_KEY reach the backend only through secretKeyRef', () => {
      const b = container(component(objs(), 'Deployment', 'backend'));
      const env = new Map((b.env as Obj[]).map((e) => [e.name, e]));
      const secretNames = new Set<string>();
      for (const name of SECRET_ENV_NAMES) {
        const e = env.get(name);
        assert.ok(e, `backend env ${name}`);
        assert.equal(e.value, undefined, `${name} must not be a literal`);
        const ref = e.valueFrom?.secretKeyRef;
        assert.ok(ref, `${name} comes from a secretKeyRef`);
        secretNames.add(ref.name);
        // Only the OpenAI key may be missing (the assistant is then off).
        assert.equal(Boolean(ref.optional), name === SECRET_ENV.openaiApiKey, `${name} optional`);
      }
      assert.equal(secretNames.size, 1, 'all three from one Secret');
      const secret = ofKind(objs(), 'Secret').find((s) => s.metadata.name === [...secretNames][0]);
      if (secret) {
        // The chart made it: the keys the pods read exist, as stringData (never hand-made base64).
        assert.equal(secret.data, undefined);
        for (const name of SECRET_ENV_NAMES) {
          const ref = env.get(name)!.valueFrom.secretKeyRef;
          assert.ok(ref.key in secret.stringData!, `Secret has key ${ref.key}`);
        }
      }
    });

    it('no pod spec and no ConfigMap holds a secret value or a secret variable', () => {
      const all = installed(subject.objects());
      const pods = [...ofKind(all, 'Deployment'), ...ofKind(subject.objects(), 'Pod')];
      const literals = Object.values(TEST_SECRETS);
      for (const p of pods) {
        const spec = JSON.stringify(podSpecOf(p));
        for (const s of literals) assert.ok(!spec.includes(s), `${p.kind} ${p.metadata.name} contains a secret value`);
        for (const c of podSpecOf(p).containers as Obj[]) {
          for (const e of (c.env ?? []) as Obj[]) {
            if (SECRET_ENV_NAMES.includes(e.name)) assert.ok(e.valueFrom?.secretKeyRef, `${p.metadata.name}: ${e.name} as literal`);
          }
        }
      }
      for (const cm of ofKind(all, 'ConfigMap')) {
        const text = JSON.stringify(cm.data);
        for (const s of literals) assert.ok(!text.includes(s), `ConfigMap ${cm.metadata.name} contains a secret value`);
        for (const k of SECRET_ENV_NAMES) assert.ok(!(k in (cm.data ?? {})), `ConfigMap ${cm.metadata.name} has ${k}`);
      }
      const f = container(component(all, 'Deployment', 'frontend'));
      assert.ok(!JSON.stringify(f).includes('secretKeyRef'), 'the frontend needs no secret');
    });

    it('the frontend ConfigMap holds exactly the variables the frontend reads, pointing at the backend Service', () => {
      const f = container(component(objs(), 'Deployment', 'frontend'));
      const cmNames = (f.envFrom as Obj[]).map((e) => e.configMapRef?.name).filter(Boolean);
      assert.equal(cmNames.length, 1);
      const cm = byName(objs(), 'ConfigMap', cmNames[0]);
      assert.deepEqual(Object.keys(cm.data!).sort(), [...CONFIG_ENV_NAMES].sort());
      const apiBase = new URL(cm.data![CONFIG_ENV.apiBaseUrl]!);
      assert.equal(apiBase.protocol, 'http:');
      assert.equal(apiBase.pathname, '/', 'a base URL: the frontend appends /api/... itself');
      const backend = route(objs(), apiBase.hostname, Number(apiBase.port || 80));
      assert.deepEqual(backend, { component: 'backend', containerPort: BACKEND_PORT }, 'API_BASE_URL reaches the backend');
      assert.ok(cm.data![CONFIG_ENV.environmentName], 'ENVIRONMENT_NAME is set');
      for (const k of Object.keys(cm.data!)) assert.ok(!k.startsWith('NEXT_PUBLIC_'), 'NEXT_PUBLIC_* is inlined at build time');
    });

    it('the backend ConfigMap holds only variables the backend reads', () => {
      const b = container(component(objs(), 'Deployment', 'backend'));
      const cmNames = (b.envFrom as Obj[]).map((e) => e.configMapRef?.name).filter(Boolean);
      assert.equal(cmNames.length, 1);
      const cm = byName(objs(), 'ConfigMap', cmNames[0]);
      const known = new Set<string>(Object.values(BACKEND_CONFIG_ENV));
      for (const k of Object.keys(cm.data!)) assert.ok(known.has(k), `backend does not read ${k}`);
      assert.ok(!(BACKEND_CONFIG_ENV.dataDir in cm.data!), 'no PGlite data dir: replicas share PostgreSQL');
    });

    it('containers bind where Kubernetes can reach them and run in production mode', () => {
      const env = (c: Component) =>
        Object.fromEntries(
          ((container(component(objs(), 'Deployment', c)).env ?? []) as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, e.value]),
        );
      assert.deepEqual(
        {
          NODE_ENV: env('backend').NODE_ENV,
          [BACKEND_CONFIG_ENV.host]: env('backend').HOST,
          [BACKEND_CONFIG_ENV.port]: env('backend').PORT,
        },
        { NODE_ENV: 'production', HOST: '0.0.0.0', PORT: String(BACKEND_PORT) },
      );
      // Next.js standalone binds to $HOSTNAME, which Kubernetes sets to the pod name.
      assert.deepEqual(
        { NODE_ENV: env('frontend').NODE_ENV, HOSTNAME: env('frontend').HOSTNAME, PORT: env('frontend').PORT },
        { NODE_ENV: 'production', HOSTNAME: '0.0.0.0', PORT: String(FRONTEND_PORT) },
      );
    });

    for (const c of ['backend', 'frontend'] as const) {
      it(`${c}: fixed image tag, IfNotPresent, resources, graceful shutdown`, () => {
        const d = component(objs(), 'Deployment', c);
        const k = container(d);
        const m = /^(.+):([^:/]+)$/.exec(k.image);
        assert.ok(m, `${k.image} has a tag`);
        assert.equal(m[1], IMAGES[c]);
        assert.notEqual(m[2], 'latest');
        assert.equal(k.imagePullPolicy, 'IfNotPresent');
        for (const kind of ['requests', 'limits']) {
          assert.ok(k.resources?.[kind]?.cpu && k.resources?.[kind]?.memory, `${kind} cpu and memory`);
        }
        const preStop = k.lifecycle?.preStop;
        assert.ok(preStop?.sleep?.seconds > 0, 'preStop sleep (no shell needed)');
        assert.equal(preStop.exec, undefined);
        const grace = podSpecOf(d).terminationGracePeriodSeconds;
        assert.ok(grace >= preStop.sleep.seconds + 10, `grace ${grace}s covers the pause and a ~10 s drain`);
        assert.equal(d.spec!.strategy?.rollingUpdate?.maxUnavailable, 0, 'rollouts keep full capacity');
      });

      it(`${c}: non-root UID ${CONTAINER_UID}, read-only root, writable paths as emptyDirs, no token`, () => {
        const d = component(objs(), 'Deployment', c);
        const pod = podSpecOf(d);
        const k = container(d);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.runAsUser, CONTAINER_UID);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        const sc = k.securityContext;
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.equal(sc.runAsNonRoot, true);
        assert.deepEqual(sc.capabilities.drop, ['ALL']);
        assert.equal(sc.capabilities.add, undefined);
        const vols = new Map((pod.volumes as Obj[]).map((v) => [v.name, v]));
        const mounts = (k.volumeMounts as Obj[]).map((m) => {
          assert.ok(vols.get(m.name)?.emptyDir, `${m.mountPath} is an emptyDir`);
          return m.mountPath;
        });
        assert.deepEqual(mounts.sort(), [...WRITABLE[c]].sort());
      });
    }

    it('every object carries the recommended app.kubernetes.io labels', () => {
      for (const o of objs()) {
        for (const l of ['name', 'instance', 'part-of']) {
          assert.ok(o.metadata.labels?.[`app.kubernetes.io/${l}`], `${o.kind} ${o.metadata.name}: app.kubernetes.io/${l}`);
        }
      }
      for (const d of ofKind(objs(), 'Deployment')) {
        const sel = d.spec!.selector.matchLabels;
        assert.ok(sel['app.kubernetes.io/component'], 'selectors tell the components apart');
        assert.ok(selects(sel, d.spec!.template.metadata.labels));
      }
    });
  });
}
