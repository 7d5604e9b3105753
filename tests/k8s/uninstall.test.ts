// `helm uninstall` (the guide's last step, run as written) leaves no resource of the release.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NS, RELEASE, REPO_ROOT, check, kubectl, waitFor } from './lib.js';

async function listable(namespaced: boolean): Promise<string[]> {
  const out = await kubectl(['api-resources', '--verbs=list', `--namespaced=${namespaced}`, '-o', 'name']);
  // Events are records about objects, not objects of the release.
  return out.split('\n').filter((r) => r && !/^events(\.events\.k8s\.io)?$/.test(r));
}

describe('helm uninstall', () => {
  test('leaves no resource of the release behind', { timeout: 300_000 }, async () => {
    await check('bash', [`${REPO_ROOT}/scripts/e2e/deploy.sh`, 'uninstall'], { timeoutMs: 240_000 });
    const selector = `app.kubernetes.io/instance=${RELEASE}`;
    const kinds = (await listable(true)).join(',');
    // --wait covers the release's own objects; their pods then drain (preStop pause, graceful
    // shutdown) within terminationGracePeriodSeconds and must be gone after that.
    // No catch: a kubectl that keeps failing fails the test (waitFor rethrows its last error),
    // where it once left the list empty and passed.
    await waitFor(
      'every object of the release to be gone',
      async () => {
        const left = await kubectl(['-n', NS, 'get', kinds, '-l', selector, '-o', 'name', '--ignore-not-found']);
        if (left.trim() !== '') throw new Error(`namespaced objects of the release remain:\n${left}`);
        return true;
      },
      90_000,
      2000,
    );
    const clusterLeft = await kubectl(['get', (await listable(false)).join(','), '-l', selector, '-o', 'name', '--ignore-not-found']);
    assert.equal(clusterLeft.trim(), '', `cluster-wide objects of the release remain:\n${clusterLeft}`);
    const podsLeft = await kubectl(['-n', NS, 'get', 'pods', '-o', 'name']);
    assert.equal(podsLeft.trim(), '', `pods remain:\n${podsLeft}`);
    const helmRecords = await kubectl(['-n', NS, 'get', 'secrets', '-l', `owner=helm,name=${RELEASE}`, '-o', 'name']);
    assert.equal(helmRecords.trim(), '', 'Helm release records remain');
    const secrets = await kubectl(['-n', NS, 'get', 'secrets', '-o', 'name']);
    assert.equal(secrets.trim(), '', `Secrets remain:\n${secrets}`);
  });
});
