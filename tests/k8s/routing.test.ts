// Through the Ingress on http://127.0.0.1: `/` serves the web app and /api the API, a user
// manages todos; the same through the chart's optional Gateway API HTTPRoute; and the health
// endpoint through the backend Service from inside the cluster.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { HEALTH_PATH, HealthOk, IMAGE_BACKEND, LIVENESS_PATH, READINESS_PATH } from '@todo/contract';
import { BACKEND, NS, RELEASE, ROUTE_HOST, VERSION, health, helmUpgrade, http, kubectl, kubectlJson, todoJourney, waitFor } from './lib.js';

async function servesTheApp(host?: string) {
  const root = await http('/', { host });
  // An anonymous visit is sent to the sign-in page by the frontend itself.
  assert.ok([200, 307, 308].includes(root.status), `GET / answered ${root.status}`);
  if (root.status !== 200) assert.match(String(root.headers.location), /\/sign-in$/);
  const page = await http('/sign-in', { host });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /data-testid="env-badge"/, 'the page is the Next.js app');
  assert.match(page.body, /<script[^>]+src="\/_next\/static\//, 'its assets come through the same origin');
  const asset = /<script[^>]+src="(\/_next\/static\/[^"]+)"/.exec(page.body)?.[1];
  assert.ok(asset);
  assert.equal((await http(asset, { host })).status, 200, `GET ${asset}`);
}

describe('through the Ingress', () => {
  test('/ serves the web app', () => servesTheApp());

  test('/api/v1/health answers the contract shape', async () => {
    const body = await health();
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    for (const path of [LIVENESS_PATH, READINESS_PATH]) {
      const a = await http(path);
      assert.equal(a.status, 200, path);
      HealthOk.parse(JSON.parse(a.body));
    }
  });

  test("an unknown API path is the backend's JSON 404, not a page (no rewrite)", async () => {
    const a = await http('/api/v1/no-such-thing');
    assert.equal(a.status, 404);
    assert.equal(JSON.parse(a.body).error.code, 'NOT_FOUND');
  });

  test('a user signs up, adds, completes and deletes todos through the API', () => todoJourney());
});

describe('/api/v1/health via the backend Service, from a pod', () => {
  test('a client pod in the namespace reaches the Service by name', async () => {
    const name = `e2e-client-${randomBytes(3).toString('hex')}`;
    const script = `const r = await fetch('http://${BACKEND}${HEALTH_PATH}'); console.log('RESULT ' + r.status + ' ' + await r.text());`;
    // Not `run --rm -i`: attaching races a container this short and can lose its output.
    await kubectl([
      '-n',
      NS,
      'run',
      name,
      `--image=${IMAGE_BACKEND}:${VERSION}`,
      '--image-pull-policy=IfNotPresent',
      '--restart=Never',
      '--labels=e2e-client=true',
      '--command',
      '--',
      'node',
      '--input-type=module',
      '-e',
      script,
    ]);
    try {
      const phase = await waitFor(
        'the client pod to finish',
        async () => {
          const p = await kubectlJson<any>(['-n', NS, 'get', 'pod', name]);
          return ['Succeeded', 'Failed'].includes(p.status.phase) && p.status.phase;
        },
        120_000,
      );
      const logs = await kubectl(['-n', NS, 'logs', name]);
      assert.equal(phase, 'Succeeded', logs);
      const line = logs.split('\n').find((l) => l.startsWith('RESULT '));
      assert.ok(line, `no result from the client pod: ${logs}`);
      const [, status, ...rest] = line.split(' ');
      assert.equal(status, '200');
      HealthOk.parse(JSON.parse(rest.join(' ')));
    } finally {
      await kubectl(['-n', NS, 'delete', 'pod', name, '--wait=false']);
    }
  });
});

describe('through the Gateway API HTTPRoute', () => {
  test('the HTTPRoute is accepted by the Gateway and its backends resolve', async () => {
    const route = await waitFor('the HTTPRoute accepted with resolved refs', async () => {
      const r = await kubectlJson<any>(['-n', NS, 'get', 'httproute', 'todo-app']);
      const conds = (r.status?.parents ?? []).flatMap((p: any) => p.conditions ?? []);
      const ok = (t: string) => conds.some((c: any) => c.type === t && c.status === 'True');
      return ok('Accepted') && ok('ResolvedRefs') && r;
    });
    assert.deepEqual(route.spec.hostnames, [ROUTE_HOST]);
  });

  test('with the Ingress switched off, the app and the API work through the HTTPRoute alone', async () => {
    await helmUpgrade(['--set', 'ingress.enabled=false']);
    try {
      const ingresses = await kubectlJson<any>(['-n', NS, 'get', 'ingress', '-l', `app.kubernetes.io/instance=${RELEASE}`]);
      assert.equal(ingresses.items.length, 0, 'the Ingress is gone');
      // Without the route's host name nothing matches any more: the answers below come
      // through the HTTPRoute only.
      await waitFor('the Ingress route to disappear from Traefik', async () => (await http(HEALTH_PATH)).status === 404, 30_000);
      await waitFor('the HTTPRoute to answer', async () => (await http(HEALTH_PATH, { host: ROUTE_HOST })).status === 200, 30_000);
      await servesTheApp(ROUTE_HOST);
      await health({ host: ROUTE_HOST });
      await todoJourney({ host: ROUTE_HOST });
    } finally {
      await helmUpgrade(['--set', 'ingress.enabled=true']);
      await waitFor('the Ingress to answer again', async () => (await http(HEALTH_PATH)).status === 200, 30_000);
    }
  });
});
