// values.schema.json and the chart's `required`/`fail` guards turn bad values into an error
// that names the value and what is wrong, before anything reaches a cluster. Asserted on the
// message under both Helm majors (their validators and wording differ).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HELMS, TEST_SECRET_SETS, helm, templateArgs, type RenderOptions } from './lib/k8s.ts';

const CASES: { name: string; opts: RenderOptions; message: RegExp[] }[] = [
  {
    name: 'replicas as a string',
    opts: { setString: [...TEST_SECRET_SETS, 'backend.replicaCount=2'] },
    message: [/\/backend\/replicaCount/, /got string, want integer/],
  },
  {
    name: 'zero replicas',
    opts: { setString: TEST_SECRET_SETS, set: ['frontend.replicaCount=0'] },
    message: [/\/frontend\/replicaCount/, /minimum: got 0, want 1/],
  },
  {
    name: 'an unknown top-level key (a typo must not be ignored silently)',
    opts: { setString: TEST_SECRET_SETS, set: ['replicaCount=3'] },
    message: [/additional propert(y|ies) 'replicaCount' not allowed/],
  },
  {
    name: 'an unknown nested key',
    opts: { setString: TEST_SECRET_SETS, set: ['backend.livenessProbe.path=/x'] },
    message: [/\/backend\/livenessProbe/, /additional propert(y|ies) 'path' not allowed/],
  },
  {
    name: 'a port out of range',
    opts: { setString: TEST_SECRET_SETS, set: ['backend.service.port=70000'] },
    message: [/\/backend\/service\/port/, /maximum: got 70,?000, want 65,?535/],
  },
  {
    name: 'the `latest` tag',
    opts: { setString: [...TEST_SECRET_SETS, 'frontend.image.tag=latest'] },
    message: [/frontend\.image\.tag must be a fixed version, not 'latest'/, /IfNotPresent|ignores images loaded/],
  },
  {
    name: 'an unknown pull policy',
    opts: { setString: [...TEST_SECRET_SETS, 'backend.image.pullPolicy=Sometimes'] },
    message: [/\/backend\/image\/pullPolicy/, /IfNotPresent/],
  },
  {
    name: 'a database URL that is not PostgreSQL',
    opts: { setString: ['secrets.databaseUrl=mysql://db/todo', 'secrets.authSecret=contract-test-auth-secret-not-real-0123456789'] },
    message: [/\/secrets\/databaseUrl/, /does not match pattern/],
  },
  {
    name: 'an AUTH_SECRET shorter than the backend accepts',
    opts: { setString: ['secrets.databaseUrl=postgresql://db/todo', 'secrets.authSecret=short'] },
    message: [/\/secrets\/authSecret/, /minLength/],
  },
  {
    name: 'a PDB that could block every drain (maxUnavailable 0)',
    opts: { setString: TEST_SECRET_SETS, set: ['backend.pdb.maxUnavailable=0'] },
    message: [/\/backend\/pdb\/maxUnavailable/, /minimum: got 0, want 1/],
  },
  {
    name: 'an ingress host with a scheme',
    opts: { setString: [...TEST_SECRET_SETS, 'ingress.host=http://192.168.49.2'] },
    message: [/\/ingress\/host/, /does not match pattern/],
  },
  {
    name: 'no database URL and no existingSecret',
    opts: { setString: ['secrets.authSecret=contract-test-auth-secret-not-real-0123456789'] },
    message: [/secrets\.databaseUrl is required when secrets\.existingSecret is empty/, /kubectl create secret generic todo-app-secrets/],
  },
  {
    name: 'no auth secret and no existingSecret',
    opts: { setString: ['secrets.databaseUrl=postgresql://db/todo'] },
    message: [/secrets\.authSecret is required when secrets\.existingSecret is empty/],
  },
  {
    name: 'an HTTPRoute without a Gateway',
    opts: { setString: TEST_SECRET_SETS, set: ['httpRoute.enabled=true'] },
    message: [/httpRoute\.parentRefs needs at least one Gateway/],
  },
  {
    name: 'an autoscaler whose floor is above its ceiling',
    opts: {
      setString: TEST_SECRET_SETS,
      set: ['backend.autoscaling.enabled=true', 'backend.autoscaling.minReplicas=5', 'backend.autoscaling.maxReplicas=3'],
    },
    message: [/backend\.autoscaling\.minReplicas \(5\) must not exceed backend\.autoscaling\.maxReplicas \(3\)/],
  },
  {
    // Before this guard, the defaults rendered a policy whose egress allowed DNS and 443 only:
    // readiness and migrations failed with no hint.
    name: 'a NetworkPolicy that leaves the backend no way to its database',
    opts: { setString: TEST_SECRET_SETS, set: ['networkPolicy.enabled=true'] },
    message: [
      /networkPolicy\.enabled=true leaves the backend no way to its database/,
      /networkPolicy\.database\.cidrs/,
      /networkPolicy\.database\.podSelector/,
    ],
  },
];

for (const h of HELMS()) {
  describe(`${h.name} rejects bad values with a clear message`, () => {
    for (const c of CASES) {
      it(c.name, () => {
        const r = helm(h.bin, templateArgs(c.opts));
        assert.notEqual(r.status, 0, `expected a failure, got:\n${r.stdout.slice(0, 500)}`);
        for (const m of c.message) assert.match(r.stderr, m);
      });
    }

    it('accepts the same values once they are right (the cases above fail for their stated reason only)', () => {
      const r = helm(h.bin, templateArgs({ setString: TEST_SECRET_SETS, set: ['backend.replicaCount=3', 'backend.pdb.maxUnavailable=1'] }));
      assert.equal(r.status, 0, r.stderr);
    });
  });
}
