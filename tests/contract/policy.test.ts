// kube-score (pinned in scripts/versions.env) passes on what users deploy — the chart with its
// defaults, with everything optional on, and the plain manifests — failing on warnings too.
// Each exception below says why it does not apply to this app; nothing else is ignored.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { TEST_SECRET_SETS, kustomizeYaml, renderYaml, tools } from './lib/k8s.ts';

const IGNORED: Record<string, string> = {
  // kube-score wants Always so imagePullSecrets are re-validated on every start. Our images
  // are built locally and loaded into the cluster (Minikube, the test cluster): with Always
  // the kubelet would try a registry that has no such image and the pods would never start.
  // Fixed tags (never `latest`) make IfNotPresent safe.
  'container-image-pull-policy': 'images are loaded into the node, not pulled',
  // The frontend has no dependency of its own to separate readiness from liveness: both ask
  // "does Next.js answer a page". Tying its readiness to the backend would take every
  // frontend pod out of the Service whenever the backend blips. The backend's two probes
  // do differ (process vs database).
  'pod-probes-identical': 'frontend liveness and readiness are the same question',
};

// NetworkPolicy is opt-in (it needs an enforcing CNI and the ingress controller's namespace,
// both unknown to the chart); the subject with it on must pass pod-networkpolicy too.
const WITHOUT_NETWORK_POLICY = ['pod-networkpolicy'];

/** kube-score optional checks worth having here. */
const OPTIONAL = ['container-seccomp-profile', 'container-ports-check'];

function kubeScore(yaml: string, alsoIgnore: string[] = []): { status: number; output: string } {
  const args = ['score', '--output-format', 'ci', '--exit-one-on-warning', '--kubernetes-version', 'v1.34'];
  for (const t of [...Object.keys(IGNORED), ...alsoIgnore]) args.push('--ignore-test', t);
  for (const t of OPTIONAL) args.push('--enable-optional-test', t);
  const r = spawnSync(tools().KUBE_SCORE, [...args, '-'], { input: yaml, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const problems = (output: string) => output.split('\n').filter((l) => /^\[(CRITICAL|WARNING)\]/.test(l));

describe('kube-score', () => {
  const subjects: [string, () => string, string[]][] = [
    ['chart, default values (with the helm test pods)', () => renderYaml({ setString: TEST_SECRET_SETS }), WITHOUT_NETWORK_POLICY],
    [
      'chart, HPA + NetworkPolicy on',
      () =>
        renderYaml({
          setString: TEST_SECRET_SETS,
          // The test pods are not selected by the policies (they only need egress).
          set: [
            'tests.enabled=false',
            'backend.autoscaling.enabled=true',
            'frontend.autoscaling.enabled=true',
            'networkPolicy.enabled=true',
            'networkPolicy.database.cidrs={10.0.0.0/8}',
          ],
        }),
      [],
    ],
    ['plain manifests', kustomizeYaml, WITHOUT_NETWORK_POLICY],
  ];
  for (const [name, yaml, alsoIgnore] of subjects) {
    it(`passes on the ${name}`, () => {
      const r = kubeScore(yaml(), alsoIgnore);
      assert.deepEqual(problems(r.output), []);
      assert.equal(r.status, 0, r.output);
    });
  }

  it('fails on a Deployment without resources or probes (the checker is really on)', () => {
    const bad = renderYaml({
      setString: TEST_SECRET_SETS,
      set: ['tests.enabled=false', 'backend.livenessProbe.enabled=false', 'backend.readinessProbe.enabled=false'],
    });
    const r = kubeScore(bad, WITHOUT_NETWORK_POLICY);
    assert.notEqual(r.status, 0);
    assert.ok(
      problems(r.output).some((l) => /-backend apps\/v1\/Deployment: Container is missing a readinessProbe/.test(l)),
      r.output,
    );
  });
});
