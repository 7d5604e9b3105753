// Smoke suite of the test cluster: proves that the cluster of scripts/cluster/up.sh
// (or any cluster KUBECONFIG points at) really runs pods, Services, DNS, the Ingress and
// Gateway API controller, probes and Helm. Run through scripts/cluster/smoke.sh, which builds and
// loads the hello image and sets HELLO_IMAGE. All traffic goes to 127.0.0.1 or to Service IPs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELM3, HELM4, apply, check, getHello, kubectl, kubectlJson, waitFor, type Hello } from './lib.js';
import { INGRESS_HOST, NAMESPACE, ROUTE_HOST, helloDeployment, helloImage, helloService, httpRoute, ingress } from './workload.js';

const CHART_DIR = fileURLToPath(new URL('./chart', import.meta.url));
const ns = ['-n', NAMESPACE];

async function clusterIP(service: string): Promise<string> {
  const svc = await kubectlJson<{ spec: { clusterIP: string } }>([...ns, 'get', 'service', service]);
  assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/, `Service ${service} has no ClusterIP`);
  return svc.spec.clusterIP;
}

/** A pod of hello-api: the place the in-cluster requests start from. */
async function clientPod(): Promise<string> {
  const pods = await kubectlJson<{ items: { metadata: { name: string }; status: { phase: string } }[] }>([
    ...ns,
    'get',
    'pods',
    '-l',
    'app=hello-api',
    '--field-selector',
    'status.phase=Running',
  ]);
  const pod = pods.items[0]?.metadata.name;
  assert.ok(pod, 'no running hello-api pod to run commands in');
  return pod;
}

/** Runs a Node.js snippet inside a pod (the image has node, no curl or nslookup). */
async function nodeInPod(script: string): Promise<string> {
  return (await kubectl([...ns, 'exec', await clientPod(), '--', 'node', '-e', script], { timeoutMs: 30_000 })).trim();
}

describe('test cluster smoke suite', () => {
  before(async () => {
    // A namespace left over from an interrupted run would hide what this run creates.
    await kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
    await kubectl(['create', 'namespace', NAMESPACE]);
    await apply(
      [
        helloDeployment('hello-web', 2),
        helloService('hello-web'),
        helloDeployment('hello-api', 1),
        helloService('hello-api'),
        helloDeployment('hello-route', 1),
        helloService('hello-route'),
        helloDeployment('hello-unhealthy', 1, { failLiveness: true }),
        ingress(),
        httpRoute(),
      ],
      NAMESPACE,
    );
  });

  after(async () => {
    if (process.env.KEEP_SMOKE_NAMESPACE === '1') return;
    await kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
  });

  test('a 2-replica Deployment becomes Ready', async () => {
    await kubectl([...ns, 'rollout', 'status', 'deployment/hello-web', '--timeout=120s'], { timeoutMs: 150_000 });
    const deploy = await kubectlJson<{ status: { readyReplicas?: number; availableReplicas?: number } }>([
      ...ns,
      'get',
      'deployment',
      'hello-web',
    ]);
    assert.equal(deploy.status.readyReplicas, 2);
    assert.equal(deploy.status.availableReplicas, 2);
    for (const d of ['hello-api', 'hello-route']) {
      await kubectl([...ns, 'rollout', 'status', `deployment/${d}`, '--timeout=120s'], { timeoutMs: 150_000 });
    }
  });

  test('a ClusterIP Service answers from the host and spreads requests over both pods', async () => {
    const ip = await clusterIP('hello-web');
    const seen = new Set<string>();
    await waitFor(
      'both hello-web pods to answer through the Service',
      async () => {
        const hello = await getHello(`http://${ip}/from-host`);
        assert.equal(hello.name, 'hello-web');
        assert.equal(hello.path, '/from-host');
        seen.add(hello.pod);
        return seen.size === 2;
      },
      30_000,
      50,
    );
  });

  test('a ClusterIP Service answers from a pod, by its DNS name', async () => {
    const out = await nodeInPod(
      `fetch('http://hello-web.${NAMESPACE}.svc.cluster.local/from-pod').then(r => r.text()).then(t => console.log(t))`,
    );
    const hello = JSON.parse(out) as Hello;
    assert.equal(hello.name, 'hello-web');
    assert.equal(hello.path, '/from-pod');
  });

  test('Service names resolve inside a pod (short, namespaced, FQDN, kubernetes.default)', async () => {
    const webIP = await clusterIP('hello-web');
    const names = ['hello-web', `hello-web.${NAMESPACE}`, `hello-web.${NAMESPACE}.svc.cluster.local`, 'kubernetes.default'];
    const out = await nodeInPod(
      `const dns = require('node:dns').promises;` +
        `Promise.all(${JSON.stringify(names)}.map(n => dns.lookup(n, 4).then(r => r.address)))` +
        `.then(a => console.log(JSON.stringify(a)))`,
    );
    const addresses = JSON.parse(out) as string[];
    assert.deepEqual(addresses.slice(0, 3), [webIP, webIP, webIP]);
    const apiService = await kubectlJson<{ spec: { clusterIP: string } }>(['-n', 'default', 'get', 'service', 'kubernetes']);
    assert.equal(addresses[3], apiService.spec.clusterIP);
  });

  test('the Ingress sends / and /api to two different Services through http://127.0.0.1', async () => {
    const web = await waitFor(
      'the Ingress to route / to hello-web',
      async () => {
        const h = await getHello('http://127.0.0.1/', INGRESS_HOST);
        return h.name === 'hello-web' ? h : false;
      },
      60_000,
    );
    assert.equal(web.path, '/');
    const api = await waitFor(
      'the Ingress to route /api to hello-api',
      async () => {
        const h = await getHello('http://127.0.0.1/api/v1/items?x=1', INGRESS_HOST);
        return h.name === 'hello-api' ? h : false;
      },
      30_000,
    );
    assert.equal(api.path, '/api/v1/items?x=1', 'the Ingress must pass the path through unchanged');
    const status = await kubectlJson<{ status: { loadBalancer?: { ingress?: { ip?: string }[] } } }>([...ns, 'get', 'ingress', 'hello']);
    assert.equal(status.status.loadBalancer?.ingress?.[0]?.ip, '127.0.0.1', 'the controller publishes its address on the Ingress');
  });

  test('an HTTPRoute attached to the shared Gateway routes', async () => {
    await waitFor(
      'the HTTPRoute to be accepted by the Gateway',
      async () => {
        const route = await kubectlJson<{ status?: { parents?: { conditions?: { type: string; status: string }[] }[] } }>([
          ...ns,
          'get',
          'httproute',
          'hello-route',
        ]);
        return route.status?.parents?.[0]?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') ?? false;
      },
      60_000,
    );
    const hello = await waitFor(
      'the HTTPRoute to route its host name to hello-route',
      async () => {
        const h = await getHello('http://127.0.0.1/via-gateway', ROUTE_HOST);
        return h.name === 'hello-route' ? h : false;
      },
      30_000,
    );
    assert.equal(hello.host, ROUTE_HOST);
    // With the Ingress's host name the same request goes elsewhere: the route chose the backend.
    assert.equal((await getHello('http://127.0.0.1/via-gateway', INGRESS_HOST)).name, 'hello-web');
  });

  test('a failing liveness probe makes the kubelet restart the container', async () => {
    const restarts = await waitFor(
      'hello-unhealthy to be restarted',
      async () => {
        const pods = await kubectlJson<{ items: { status: { containerStatuses?: { restartCount: number }[] } }[] }>([
          ...ns,
          'get',
          'pods',
          '-l',
          'app=hello-unhealthy',
        ]);
        const count = pods.items[0]?.status.containerStatuses?.[0]?.restartCount ?? 0;
        return count >= 1 ? count : false;
      },
      90_000,
      1_000,
    );
    assert.ok(restarts >= 1);
    const events = await kubectl([...ns, 'get', 'events', '--field-selector', 'reason=Unhealthy', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /Liveness probe failed: HTTP probe failed with statuscode: 500/);
  });

  for (const [label, helm, major] of [
    ['helm v3', HELM3, 'v3'],
    ['helm v4', HELM4, 'v4'],
  ] as const) {
    test(`${label}: install --wait brings a chart up, uninstall removes it`, async () => {
      const release = `smoke-${label.replace(/\W/g, '')}`;
      // Both fall back to the `helm` on PATH when nothing is cached: the same binary must not
      // pass for both majors.
      const version = (await check(helm, ['version', '--short'])).trim();
      assert.ok(version.startsWith(`${major}.`), `${helm} is ${version}, not Helm ${major}`);
      await check(helm, ['install', release, CHART_DIR, ...ns, '--set', `image=${helloImage()}`, '--wait', '--timeout', '120s'], {
        timeoutMs: 150_000,
      });
      const deploy = await kubectlJson<{ status: { readyReplicas?: number } }>([...ns, 'get', 'deployment', release]);
      assert.equal(deploy.status.readyReplicas, 1, 'helm --wait returned before the Deployment was Ready');
      // Ready pods reach the Service's endpoints (and kube-proxy's rules) a moment later.
      const ip = await clusterIP(release);
      const hello = await waitFor(`Service ${release} to answer`, () => getHello(`http://${ip}/`), 15_000, 200);
      assert.equal(hello.name, release);
      const status = JSON.parse(await check(helm, ['status', release, ...ns, '-o', 'json'])) as { info: { status: string } };
      assert.equal(status.info.status, 'deployed');

      await check(helm, ['uninstall', release, ...ns, '--wait', '--timeout', '60s'], { timeoutMs: 90_000 });
      const left = await kubectl([...ns, 'get', 'deployment,service', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
      assert.equal(left.trim(), '', `helm uninstall left: ${left}`);
      await waitFor(
        `the pods of ${release} to terminate`,
        async () => (await kubectl([...ns, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'])).trim() === '',
        60_000,
      );
      const releases = JSON.parse(await check(helm, ['list', ...ns, '-o', 'json'])) as unknown[];
      assert.equal(releases.length, 0);
    });
  }
});
