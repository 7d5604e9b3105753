// Helpers of the secret tests (03, 08): the values to hunt for and the places to hunt in.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SECRET_ENV, SECRET_ENV_NAMES } from '@todo/contract';
import { BACKEND, FRONTEND, helm, kubectl, kubectlJson, pods } from './lib.js';

/** The values of the Secret, decoded, and the parts of DATABASE_URL that are secret too. */
export async function secretValues(ns: string, name: string): Promise<{ raw: Record<string, string>; needles: string[] }> {
  const s = await kubectlJson<{ data: Record<string, string> }>(['-n', ns, 'get', 'secret', name]);
  const raw = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  const needles: string[] = [];
  for (const v of Object.values(raw)) if (v.length >= 8) needles.push(v, Buffer.from(v).toString('base64'));
  const url = raw[SECRET_ENV.databaseUrl];
  if (url) {
    const password = decodeURIComponent(new URL(url).password);
    if (password.length >= 8) needles.push(password);
  }
  return { raw, needles };
}

/** Fails naming where a secret value shows, without printing the value itself. */
export function assertNoSecret(where: string, text: string, needles: string[]) {
  for (const [i, n] of needles.entries()) {
    assert.ok(!text.includes(n), `${where} shows secret value #${i} (${n.length} characters)`);
  }
}

/** Everything of the namespace a user or a log collector can read besides the Secret itself. */
export async function readableOutputs(ns: string, release?: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  out.push([
    'kubectl get pods,deployments,replicasets,configmaps -o yaml',
    await kubectl(['-n', ns, 'get', 'pods,deployments,replicasets,configmaps', '-o', 'yaml']),
  ]);
  out.push(['kubectl describe pods', await kubectl(['-n', ns, 'describe', 'pods'])]);
  out.push(['kubectl describe deployments', await kubectl(['-n', ns, 'describe', 'deployments'])]);
  out.push(['kubectl get events', await kubectl(['-n', ns, 'get', 'events', '-o', 'yaml'])]);
  for (const p of await pods(ns)) {
    out.push([`logs of ${p.metadata.name}`, await kubectl(['-n', ns, 'logs', p.metadata.name, '--all-containers'])]);
  }
  if (release) {
    out.push(['helm get manifest', await helm(['get', 'manifest', release, '-n', ns])]);
    out.push(['helm get values --all', await helm(['get', 'values', release, '-n', ns, '--all'])]);
    out.push(['helm get notes', await helm(['get', 'notes', release, '-n', ns])]);
    out.push(['helm get hooks', await helm(['get', 'hooks', release, '-n', ns])]);
  }
  return out;
}

/** The three secret env vars come from secretKeyRef of `secretName`; no env var anywhere has them as a value. */
export async function assertSecretKeyRefs(ns: string, secretName: string) {
  for (const name of [BACKEND, FRONTEND]) {
    const d = await kubectlJson<any>(['-n', ns, 'get', 'deployment', name]);
    const containers = [...(d.spec.template.spec.containers ?? []), ...(d.spec.template.spec.initContainers ?? [])];
    for (const c of containers) {
      for (const e of c.env ?? []) {
        if ((SECRET_ENV_NAMES as readonly string[]).includes(e.name)) {
          assert.equal(e.value, undefined, `${name}/${c.name}: ${e.name} is a literal value`);
          assert.equal(e.valueFrom?.secretKeyRef?.name, secretName, `${name}/${c.name}: ${e.name} is not from the Secret ${secretName}`);
          assert.equal(e.valueFrom.secretKeyRef.key, e.name);
        }
      }
      for (const from of c.envFrom ?? []) assert.equal(from.secretRef, undefined, `${name}/${c.name}: envFrom a whole Secret`);
    }
    if (name === BACKEND) {
      const names = containers.flatMap((c: any) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name));
      assert.deepEqual([...names].sort(), [...SECRET_ENV_NAMES].sort(), 'the backend gets exactly the three secrets');
    }
  }
}

/** The session cookie is signed with AUTH_SECRET: HMAC-SHA256 of the token, base64. */
export function assertSignedWith(cookie: string, secret: string) {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  const dot = value.lastIndexOf('.');
  const [token, signature] = [value.slice(0, dot), value.slice(dot + 1)];
  assert.equal(
    signature,
    createHmac('sha256', secret).update(token).digest('base64'),
    'the session cookie is not signed with the AUTH_SECRET of the Secret',
  );
}
