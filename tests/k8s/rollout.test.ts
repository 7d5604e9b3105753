// Changes to a running release under steady, bounded traffic through the Ingress:
// - ENVIRONMENT_NAME changed with `helm upgrade` rolls the pods and the UI shows it;
// - `helm upgrade` to a new image tag rolls every pod with zero failed requests;
// - deleting a backend pod (and a frontend pod) loses no request either.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { HEALTH_PATH, IMAGE_BACKEND, IMAGE_FRONTEND } from '@todo/contract';
import {
  BACKEND,
  FRONTEND,
  NS,
  UPGRADE_TAG,
  createTodo,
  helmUpgrade,
  kubectl,
  kubectlJson,
  pods,
  recordFigure,
  shownEnvironmentName,
  signUp,
  sleep,
  steadyLoad,
  waitFor,
  waitForDeployment,
  type LoadResult,
} from './lib.js';

const RATE = Number(process.env.E2E_STEADY_RATE ?? 50);

let cookie = '';

/** Runs `action` under RATE req/s on a page, the health endpoint and an authenticated list. */
async function underLoad(action: () => Promise<void>): Promise<LoadResult[]> {
  const load = steadyLoad([{ path: '/sign-in' }, { path: HEALTH_PATH }, { path: '/api/v1/todos', cookie }], RATE);
  await sleep(3000);
  let results: LoadResult[];
  try {
    await action();
    await sleep(5000); // the old pods' last connections close after the rollout
  } finally {
    results = await load.stop();
  }
  return results;
}

function assertNoFailure(what: string, results: LoadResult[]) {
  const total = results.reduce((n, r) => n + r.requests, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(
    `${what}: ${total} requests, ${failed} failed`,
    JSON.stringify(
      results.map((r) => ({
        url: r.url,
        requests: r.requests,
        failed: r.failed,
        codes: r.statusCodes,
        errors: r.errors,
        timeouts: r.timeouts,
      })),
    ),
  );
  assert.ok(total > RATE * 5, `too little traffic during ${what}: ${total} requests`);
  for (const r of results) {
    assert.equal(
      r.failed,
      0,
      `${what}: ${r.url} had ${r.failed} failed requests (${JSON.stringify(r.statusCodes)}, errors ${r.errors}, timeouts ${r.timeouts})`,
    );
  }
  return { requests: total, failed };
}

const podNames = async (component: 'backend' | 'frontend') => (await pods(NS, component)).map((p) => p.metadata.name).sort();

describe('rollouts under steady traffic', () => {
  before(async () => {
    const user = await signUp();
    await createTodo(user.cookie, 'read during the rollouts');
    cookie = user.cookie;
  });

  test('helm upgrade of ENVIRONMENT_NAME rolls the pods and the UI shows the new value', async () => {
    assert.equal(await shownEnvironmentName(), 'development');
    const oldPods = [...(await podNames('backend')), ...(await podNames('frontend'))];
    let seconds = 0;
    const results = await underLoad(async () => {
      seconds = await helmUpgrade(['--set', 'environmentName=e2e-renamed']);
    });
    // --wait returns once the new pods are Ready; the old ones may still be draining.
    await waitFor(
      'the old pods to be gone',
      async () => {
        const now = [...(await podNames('backend')), ...(await podNames('frontend'))];
        return now.filter((p) => oldPods.includes(p)).length === 0;
      },
      90_000,
    );
    assert.equal(await shownEnvironmentName(), 'e2e-renamed');
    const cm = await kubectlJson<any>(['-n', NS, 'get', 'configmap', '-l', 'app.kubernetes.io/component=frontend']);
    assert.ok(
      cm.items.some((c: any) => Object.values(c.data ?? {}).includes('e2e-renamed')),
      'the frontend ConfigMap holds the new name',
    );
    recordFigure('upgrade ENVIRONMENT_NAME', { seconds, ...assertNoFailure('the ENVIRONMENT_NAME upgrade', results) });
  });

  test(`helm upgrade to the image tag ${UPGRADE_TAG}: zero failed requests`, async () => {
    let seconds = 0;
    const results = await underLoad(async () => {
      seconds = await helmUpgrade(['--set', `backend.image.tag=${UPGRADE_TAG}`, '--set', `frontend.image.tag=${UPGRADE_TAG}`]);
      await waitForDeployment(NS, BACKEND);
      await waitForDeployment(NS, FRONTEND);
    });
    for (const [component, image] of [
      ['backend', IMAGE_BACKEND],
      ['frontend', IMAGE_FRONTEND],
    ] as const) {
      // Old pods that are still draining (preStop + graceful shutdown) carry a deletion
      // timestamp; every pod that is not on its way out must run the new tag.
      const live = (await pods(NS, component)).filter((p) => !p.metadata.deletionTimestamp);
      assert.ok(live.length > 0, `no live ${component} pod`);
      for (const p of live) assert.equal(p.spec.containers[0]?.image, `${image}:${UPGRADE_TAG}`, p.metadata.name);
    }
    await waitFor(
      'the old pods to finish draining',
      async () => {
        const all = [...(await pods(NS, 'backend')), ...(await pods(NS, 'frontend'))];
        return all.every((p) => p.spec.containers[0]?.image?.endsWith(`:${UPGRADE_TAG}`));
      },
      90_000,
    );
    console.log(`image upgrade rolled out in ${seconds}s`);
    recordFigure('upgrade image tag', { seconds, rate: RATE, ...assertNoFailure('the image upgrade', results) });
  });

  for (const component of ['backend', 'frontend'] as const) {
    test(`deleting a ${component} pod: zero failed requests`, async () => {
      const [victim] = await podNames(component);
      assert.ok(victim);
      const results = await underLoad(async () => {
        await kubectl(['-n', NS, 'delete', 'pod', victim, '--wait=true', '--timeout=90s'], { timeoutMs: 120_000 });
        await waitForDeployment(NS, component === 'backend' ? BACKEND : FRONTEND);
      });
      assert.ok(!(await podNames(component)).includes(victim));
      recordFigure(`delete ${component} pod`, { rate: RATE, ...assertNoFailure(`the ${component} pod deletion`, results) });
    });
  }
});
