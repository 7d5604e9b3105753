// The other secrets path: no existingSecret, the values given to Helm and the chart
// creating the Secret. The values then live in that Secret (and in Helm's own release
// record, itself a Secret) — never in a pod spec, a ConfigMap, `kubectl describe` or a log —
// and the app keeps working with them: the same database, the same session signing key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SECRET_ENV } from '@todo/contract';
import { assertNoSecret, assertSecretKeyRefs, assertSignedWith, readableOutputs, secretValues } from './secrets.js';
import {
  BACKEND,
  FRONTEND,
  NS,
  RELEASE,
  SECRET_NAME,
  createTodo,
  helm,
  helmUpgrade,
  kubectl,
  kubectlJson,
  listTodos,
  signIn,
  signUp,
  waitFor,
  waitForDeployment,
} from './lib.js';

describe('secrets given as chart values (the chart creates the Secret)', () => {
  test("values only in the chart's Secret; pods rolled and the app works with the same secrets", { timeout: 400_000 }, async () => {
    const { raw, needles } = await secretValues(NS, SECRET_NAME);
    const user = await signUp();
    const todo = await createTodo(user.cookie, 'kept across the secret switch');
    const oldPods = (await kubectlJson<any>(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/component=backend'])).items.map(
      (p: any) => p.metadata.name,
    );

    // A values file readable by root only, outside the work tree, removed right after: the
    // values never appear on a command line.
    const dir = mkdtempSync(join(tmpdir(), 'todo-e2e-secrets-'));
    const file = join(dir, 'secrets.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        secrets: {
          existingSecret: '',
          databaseUrl: raw[SECRET_ENV.databaseUrl],
          authSecret: raw[SECRET_ENV.authSecret],
          openaiApiKey: raw[SECRET_ENV.openaiApiKey] ?? '',
        },
      }),
      { mode: 0o600 },
    );
    try {
      // The chart's Secret takes the same name (<fullname>-secrets): the hand-made one goes first.
      await kubectl(['-n', NS, 'delete', 'secret', SECRET_NAME]);
      await helmUpgrade(['-f', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await waitForDeployment(NS, BACKEND);
    await waitForDeployment(NS, FRONTEND);

    const s = await kubectlJson<any>(['-n', NS, 'get', 'secret', SECRET_NAME]);
    assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm', 'the Secret now belongs to the release');
    // The backend pods rolled (checksum of the Secret); the old ones may still be draining.
    await waitFor(
      'the old backend pods to be replaced and gone',
      async () => {
        const now = (await kubectlJson<any>(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/component=backend'])).items.map(
          (p: any) => p.metadata.name,
        );
        return now.filter((p: string) => oldPods.includes(p)).length === 0;
      },
      90_000,
    );
    await assertSecretKeyRefs(NS, SECRET_NAME);

    // In the release manifest, the values are inside the Secret object and nowhere else.
    const docs = (await helm(['get', 'manifest', RELEASE, '-n', NS])).split(/^---$/m);
    const holding = docs.filter((d) => needles.some((n) => d.includes(n)));
    assert.ok(holding.length >= 1, 'the rendered Secret holds the values (else this check proves nothing)');
    for (const d of holding) assert.match(d, /^kind: Secret$/m, `a non-Secret object holds a secret value:\n${d.slice(0, 200)}`);
    for (const [where, text] of await readableOutputs(NS)) assertNoSecret(where, text, needles);

    // Same database and same signing key: the earlier user signs in and finds the todo.
    const cookie = await signIn(user);
    assertSignedWith(cookie, raw[SECRET_ENV.authSecret]!);
    assert.ok((await listTodos(cookie)).some((t) => t.id === todo.id));
  });
});
