// helm install with values-dev.yaml (run by scripts/e2e/deploy.sh from docs/deployment.md)
// gave a deployed release whose two Deployments are 2/2 Ready, and
// the chart's own `helm test` passes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IMAGE_BACKEND, IMAGE_FRONTEND } from '@todo/contract';
import { BACKEND, FRONTEND, NS, RELEASE, VERSION, helm, isReady, kubectlJson, pods, waitForDeployment } from './lib.js';

describe('helm install', () => {
  test('the release is deployed from the chart with values-dev.yaml', async () => {
    const status = JSON.parse(await helm(['status', RELEASE, '-n', NS, '-o', 'json']));
    assert.equal(status.info.status, 'deployed');
    const values = JSON.parse(await helm(['get', 'values', RELEASE, '-n', NS, '-o', 'json']));
    assert.equal(values.environmentName, 'development', 'values-dev.yaml was not applied');
    assert.equal(values.secrets?.existingSecret, 'todo-app-secrets');
  });

  for (const [name, image] of [
    [BACKEND, IMAGE_BACKEND],
    [FRONTEND, IMAGE_FRONTEND],
  ] as const) {
    test(`Deployment ${name} is 2/2 Ready with ${image}:${VERSION}, IfNotPresent`, async () => {
      await waitForDeployment(NS, name, 2);
      const d = await kubectlJson<any>(['-n', NS, 'get', 'deployment', name]);
      assert.equal(d.spec.replicas, 2);
      const c = d.spec.template.spec.containers[0];
      assert.equal(c.image, `${image}:${VERSION}`);
      assert.equal(c.imagePullPolicy, 'IfNotPresent');
      const running = await pods(NS, name === BACKEND ? 'backend' : 'frontend');
      assert.equal(running.length, 2);
      assert.ok(running.every(isReady), 'every pod is Ready');
    });
  }

  test('both Services are ClusterIP', async () => {
    for (const name of [BACKEND, FRONTEND]) {
      const svc = await kubectlJson<any>(['-n', NS, 'get', 'service', name]);
      assert.equal(svc.spec.type, 'ClusterIP', name);
      const slices = await kubectlJson<any>(['-n', NS, 'get', 'endpointslices', '-l', `kubernetes.io/service-name=${name}`]);
      const ready = slices.items.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready);
      assert.equal(ready.length, 2, `${name} has 2 ready endpoints`);
    }
  });

  test('helm test passes (the chart tests itself through both Services)', async () => {
    // No --logs: the chart deletes test pods that succeeded (hook-succeeded), so Helm could not
    // fetch their logs; a failed one stays for `kubectl logs`.
    const out = await helm(['test', RELEASE, '-n', NS, '--timeout', '3m'], { timeoutMs: 200_000 });
    assert.equal((out.match(/Phase:\s+Succeeded/g) ?? []).length, 2, out);
    assert.doesNotMatch(out, /Phase:\s+Failed/);
  });
});
